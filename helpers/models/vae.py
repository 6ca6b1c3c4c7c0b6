"""A convolutional variational autoencoder (VAE) in Keras 3, measured in nats.

The model is trained and evaluated on **binary** 28 x 28 images (digits binarized at
0.5, see :func:`helpers.density.binarize`): its decoder outputs one Bernoulli
probability per pixel, so ``log p(x | z)`` is the log-probability of a binary image,
a proper discrete likelihood. (A Bernoulli "likelihood" of grey values in [0, 1] is
not normalised and is not a likelihood at all; :func:`check_binary_images` refuses
such input wherever a likelihood is reported.)

Quantities, all in **nats per image** (sums over the 784 pixels, means over images):

- ``recon`` = ``-E_q[log p(x | z)]``: the reconstruction term (binary cross-entropy);
- ``kl`` = ``KL(q(z | x) || p(z))``: closed form between two diagonal Gaussians;
- ``neg_elbo`` = ``recon + kl``: minus the evidence lower bound, an upper bound on
  ``-log p(x)``;
- ``loss`` = ``recon + beta * kl``: what training minimises (``beta = 1`` is the VAE;
  ``beta > 1`` a beta-VAE).

:meth:`VAE.iwae_bound` gives the importance-weighted bound with ``k`` samples
(Burda et al., 2016), ``log (1/k) sum_i p(x, z_i) / q(z_i | x)``, which never lies below
the ELBO in expectation and tightens as ``k`` grows: a better estimate of ``log p(x)``.
Divide nats by ``784 ln 2`` for bits per dimension (:func:`bits_per_dim`).

Train with :func:`train_vae` (the course's settings, on :func:`helpers.training.fit_resumable`);
the shipped models are loaded by name with :func:`helpers.models.load_shipped` (``"vae_z2"``, ...).

TensorFlow is imported by this module (through Keras); the rest of ``helpers`` does not
need it.
"""

from __future__ import annotations

import math

import numpy as np

import keras
from keras import layers, ops

from .. import checks
from ..data import DIGIT_SHAPE
from ..training import SeededInitializers, epoch_means, fit_resumable, image_batches, load_model

__all__ = [
    "IMAGE_SHAPE",
    "VAE",
    "check_binary_images",
    "bits_per_dim",
    "kl_diagonal_gaussian",
    "log_mean_exp",
    "load_vae",
    "train_vae",
]

IMAGE_SHAPE = (*DIGIT_SHAPE, 1)
_PIXELS = DIGIT_SHAPE[0] * DIGIT_SHAPE[1]
_LOG_2PI = math.log(2.0 * math.pi)


# --------------------------------------------------------------------------- checks and formulas


def check_binary_images(images, name="images"):
    """Validate a batch of binary 28 x 28 images and return it as float32 ``(N, 28, 28, 1)``.

    Parameters
    ----------
    images : array_like, shape (N, 28, 28) or (N, 28, 28, 1)
        Pixel values exactly 0 or 1 (e.g. ``helpers.density.binarize(x)``).
    name : str
        Argument name used in error messages.

    Raises
    ------
    ValueError
        Wrong shape, empty, non-finite, or values other than 0 and 1 (grey images must be
        binarized first: a Bernoulli likelihood of grey values is not a probability).

    Examples
    --------
    >>> check_binary_images(np.ones((2, 28, 28))).shape
    (2, 28, 28, 1)
    >>> check_binary_images(np.full((1, 28, 28), 0.5))
    Traceback (most recent call last):
    ...
    ValueError: images must be binary (every pixel 0 or 1); got values such as 0.5. Binarize grey digits first, e.g. helpers.density.binarize(x, 0.5)
    """
    x = np.asarray(images)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise ValueError(f"{name} must be a numeric array; got dtype {x.dtype}")
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"{name} must have shape (N, 28, 28) or (N, 28, 28, 1); got {np.shape(images)}")
    if len(x) == 0:
        raise ValueError(f"{name} is empty")
    x = x.astype(np.float32)
    bad = (x != 0) & (x != 1)
    if bad.any():
        raise ValueError(f"{name} must be binary (every pixel 0 or 1); got values such as {x[bad].flat[0]:g}. "
                         "Binarize grey digits first, e.g. helpers.density.binarize(x, 0.5)")
    return x


def bits_per_dim(nats_per_image, dims=_PIXELS):
    """Nats per binary image to bits per dimension, ``nats / (dims ln 2)`` (:func:`helpers.density.bits_per_dim`).

    Examples
    --------
    >>> round(bits_per_dim(784 * math.log(2)), 6)
    1.0
    """
    from ..density import bits_per_dim as density_bits_per_dim

    return float(density_bits_per_dim(nats_per_image, dims))


def kl_diagonal_gaussian(mean, log_var):
    """``KL(N(mean, exp(log_var)) || N(0, I))`` in nats, summed over the last axis (NumPy).

    ``0.5 * sum(exp(log_var) + mean**2 - 1 - log_var)``; zero only when ``mean = 0`` and
    ``log_var = 0``.

    Examples
    --------
    >>> float(kl_diagonal_gaussian(np.zeros(3), np.zeros(3)))
    0.0
    >>> round(float(kl_diagonal_gaussian(np.array([1.0]), np.array([0.0]))), 6)
    0.5
    """
    mean = np.asarray(mean, dtype=np.float64)
    log_var = np.asarray(log_var, dtype=np.float64)
    return 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=-1)


def log_mean_exp(values, axis=-1):
    """``log(mean(exp(values)))`` along ``axis`` without overflow or underflow (NumPy, float64).

    The largest value is taken out before exponentiating:
    ``m + log(mean(exp(values - m)))``.

    Examples
    --------
    >>> float(log_mean_exp(np.array([-1000.0, -1000.0])))
    -1000.0
    >>> round(float(log_mean_exp(np.log([1.0, 3.0]))), 6) == round(math.log(2.0), 6)
    True
    """
    values = np.asarray(values, dtype=np.float64)
    top = np.max(values, axis=axis, keepdims=True)
    out = top + np.log(np.mean(np.exp(values - top), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis)


# --------------------------------------------------------------------------- the model


@keras.saving.register_keras_serializable(package="course")
class VAE(keras.Model):
    """Convolutional VAE for binary 28 x 28 images with a Gaussian latent and Bernoulli decoder.

    Encoder: two stride-2 3x3 convolutions (``filters``) 28 -> 14 -> 7, flatten, dense layer
    to the mean and log-variance of ``q(z | x)``. Decoder: dense to 7 x 7 x ``filters[1]``,
    two stride-2 transposed convolutions 7 -> 14 -> 28 giving one logit per pixel.
    No full-resolution feature maps with many channels: this is what makes it fast on a CPU.

    Parameters
    ----------
    latent_dim : int
        Size of ``z`` (2 to draw the latent space, 16 for better images).
    beta : float
        Weight of the KL term in the training loss (1: the VAE; >1: beta-VAE).
    filters : (int, int)
        Channels of the two convolutions. (16, 32) trains twice as fast as (32, 64) here and
        reached the same validation ELBO with a 16-D latent (about 2 nats worse with a 2-D one).
    seed : int
        Seeds the initial weights (:class:`helpers.training.SeededInitializers`) and the model's
        :class:`keras.random.SeedGenerator` (the reparameterisation noise); the global seeds are
        left alone.

    Notes
    -----
    ``fit``/``evaluate`` take binary images ``(N, 28, 28, 1)`` as ``x`` (no ``y``) and report
    ``loss``, ``neg_elbo``, ``recon``, ``kl`` in nats per image. ``model(x)`` returns the
    reconstruction probabilities (decoding the mean of ``q(z | x)``).

    Examples
    --------
    >>> vae = VAE(latent_dim=2)
    >>> vae.decode_numpy(np.zeros((3, 2), "float32")).shape
    (3, 28, 28)
    """

    def __init__(self, latent_dim=2, beta=1.0, filters=(16, 32), seed=0, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = checks.integer(latent_dim, "latent_dim")
        self.beta = checks.real(beta, "beta", low=0)
        filters = tuple(filters)
        if len(filters) != 2:
            raise ValueError(f"filters must be two channel counts; got {filters!r}")
        self.filters = tuple(checks.integer(f, "filters") for f in filters)
        self.seed = checks.integer(seed, "seed", minimum=0)
        init = SeededInitializers(self.seed)
        f1, f2 = self.filters
        h4, w4 = DIGIT_SHAPE[0] // 4, DIGIT_SHAPE[1] // 4
        self.encoder = keras.Sequential([
            keras.Input(IMAGE_SHAPE),
            layers.Conv2D(f1, 3, strides=2, padding="same", activation="relu", kernel_initializer=init()),
            layers.Conv2D(f2, 3, strides=2, padding="same", activation="relu", kernel_initializer=init()),
            layers.Flatten(),
            layers.Dense(2 * self.latent_dim, kernel_initializer=init()),
        ], name="encoder")
        self.decoder = keras.Sequential([
            keras.Input((self.latent_dim,)),
            layers.Dense(h4 * w4 * f2, activation="relu", kernel_initializer=init()),
            layers.Reshape((h4, w4, f2)),
            layers.Conv2DTranspose(f1, 3, strides=2, padding="same", activation="relu", kernel_initializer=init()),
            layers.Conv2DTranspose(1, 3, strides=2, padding="same", kernel_initializer=init()),
        ], name="decoder")
        self.noise = keras.random.SeedGenerator(self.seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", "neg_elbo", "recon", "kl")}
        self.built = True  # both sub-models are built by their Input layers

    def get_config(self):
        config = super().get_config()
        config.update(latent_dim=self.latent_dim, beta=self.beta, filters=list(self.filters), seed=self.seed)
        return config

    def build(self, input_shape=None):
        self.built = True  # nothing to create: the sub-models were built in __init__

    # ----------------------------------------------------------------- pieces (tensors in, tensors out)

    def encode(self, x):
        """Mean and log-variance of ``q(z | x)``, each ``(N, latent_dim)``."""
        stats = self.encoder(ops.reshape(x, (-1, *IMAGE_SHAPE)))
        return stats[:, : self.latent_dim], stats[:, self.latent_dim:]

    def reparameterize(self, mean, log_var):
        """``z = mean + exp(log_var / 2) * eps`` with ``eps ~ N(0, I)`` from the model's seed generator."""
        eps = keras.random.normal(ops.shape(mean), seed=self.noise)
        return mean + ops.exp(0.5 * log_var) * eps

    def decode_logits(self, z):
        """Bernoulli logits of every pixel, ``(N, 28, 28, 1)``."""
        return self.decoder(z)

    def decode(self, z):
        """Bernoulli probabilities (the mean image) for latent codes ``z``."""
        return ops.sigmoid(self.decoder(z))

    def call(self, x, training=False):
        mean, _ = self.encode(x)
        return self.decode(mean)

    def _terms(self, x, training):
        """recon, kl (per image, nats) with one reparameterised sample."""
        x = ops.reshape(x, (-1, *IMAGE_SHAPE))  # (N, 28, 28) is accepted too
        mean, log_var = self.encode(x)
        z = self.reparameterize(mean, log_var)
        logits = self.decoder(z, training=training)
        bce = ops.binary_crossentropy(x, logits, from_logits=True)  # per pixel, nats
        recon = ops.sum(ops.reshape(bce, (ops.shape(x)[0], -1)), axis=1)
        kl = 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=1)
        return recon, kl

    # ----------------------------------------------------------------- Keras training

    @property
    def metrics(self):
        return list(self.trackers.values())

    def _update(self, recon, kl):
        recon, kl = ops.mean(recon), ops.mean(kl)
        loss = recon + self.beta * kl
        for name, value in (("loss", loss), ("neg_elbo", recon + kl), ("recon", recon), ("kl", kl)):
            self.trackers[name].update_state(value)
        return loss

    def train_step(self, data):
        import tensorflow as tf  # the gradient tape is backend-specific (Keras 3 on TensorFlow)

        x = data[0] if isinstance(data, (tuple, list)) else data
        with tf.GradientTape() as tape:
            recon, kl = self._terms(x, training=True)
            loss = ops.mean(recon) + self.beta * ops.mean(kl)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply(grads, self.trainable_weights)
        self._update(recon, kl)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def test_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        recon, kl = self._terms(x, training=False)
        self._update(recon, kl)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    # ----------------------------------------------------------------- NumPy-facing tools

    def _batches(self, x, batch_size):
        batch_size = checks.integer(batch_size, "batch_size")
        for start in range(0, len(x), batch_size):
            yield x[start: start + batch_size]

    def embed(self, images, batch_size=500):
        """Means of ``q(z | x)`` for binary images: ``(N, latent_dim)`` NumPy array."""
        x = check_binary_images(images)
        return np.concatenate([ops.convert_to_numpy(self.encode(b)[0]) for b in self._batches(x, batch_size)])

    def reconstruct(self, images, batch_size=500):
        """Decoded means of ``q(z | x)``: probabilities ``(N, 28, 28)`` in [0, 1]."""
        x = check_binary_images(images)
        out = [ops.convert_to_numpy(self(b)) for b in self._batches(x, batch_size)]
        return np.concatenate(out)[..., 0]

    def decode_numpy(self, z, batch_size=500):
        """Bernoulli probabilities ``(N, 28, 28)`` for latent codes ``z`` of shape ``(N, latent_dim)``."""
        z = np.asarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (N, {self.latent_dim}); got {z.shape}")
        out = [ops.convert_to_numpy(self.decode(b)) for b in self._batches(z, batch_size)]
        return np.concatenate(out)[..., 0]

    def generate(self, n, seed=0):
        """``n`` new images: decode ``z ~ N(0, I)`` (probabilities, ``(n, 28, 28)``)."""
        n = checks.integer(n, "n")
        z = checks.make_rng(seed, "seed").standard_normal((n, self.latent_dim)).astype(np.float32)
        return self.decode_numpy(z)

    def elbo_terms(self, images, samples=1, batch_size=500):
        """Per-image ``recon`` and ``kl`` in nats (NumPy), ``recon`` averaged over ``samples`` draws of z.

        Returns
        -------
        dict
            ``recon``, ``kl``, ``neg_elbo`` arrays of shape ``(N,)`` (float64).
        """
        x = check_binary_images(images)
        samples = checks.integer(samples, "samples")
        recon, kl = [], []
        terms = self._compiled("terms", lambda b: self._terms(b, training=False))
        for b in self._batches(x, batch_size):
            parts = [terms(b) for _ in range(samples)]
            recon.append(np.mean([ops.convert_to_numpy(r) for r, _ in parts], axis=0))
            kl.append(ops.convert_to_numpy(parts[0][1]))
        recon = np.concatenate(recon).astype(np.float64)
        kl = np.concatenate(kl).astype(np.float64)
        return {"recon": recon, "kl": kl, "neg_elbo": recon + kl}

    def _compiled(self, name, fn):
        """``fn`` wrapped once in ``tf.function`` (evaluation runs as a graph: ~5x faster than eager)."""
        import tensorflow as tf

        cache = self.__dict__.setdefault("_graph_fns", {})
        if name not in cache:
            cache[name] = tf.function(fn, reduce_retracing=True)
        return cache[name]

    def _log_weights_batch(self, b, k):
        n = ops.shape(b)[0]
        mean, log_var = self.encode(b)
        mean_k = ops.repeat(mean, k, axis=0)  # (n k, d): image 0 k times, then image 1 k times...
        log_var_k = ops.repeat(log_var, k, axis=0)
        eps = keras.random.normal(ops.shape(mean_k), seed=self.noise)
        z = mean_k + ops.exp(0.5 * log_var_k) * eps
        logits = self.decoder(z)
        x_k = ops.repeat(b, k, axis=0)
        bce = ops.binary_crossentropy(x_k, logits, from_logits=True)
        log_px_z = -ops.sum(ops.reshape(bce, (n * k, -1)), axis=1)
        log_pz = -0.5 * ops.sum(ops.square(z) + _LOG_2PI, axis=1)
        log_qz = -0.5 * ops.sum(ops.square(eps) + log_var_k + _LOG_2PI, axis=1)
        return ops.reshape(log_px_z + log_pz - log_qz, (n, k))

    def log_weights(self, images, k=100, batch_size=100):
        """``log p(x, z_i) - log q(z_i | x)`` for ``k`` samples ``z_i ~ q(z | x)``: ``(N, k)`` float64."""
        x = check_binary_images(images)
        k = checks.integer(k, "k")
        fn = self._compiled(f"log_weights_{k}", lambda b: self._log_weights_batch(b, k))
        out = [ops.convert_to_numpy(fn(b)) for b in self._batches(x, batch_size)]
        return np.concatenate(out).astype(np.float64)

    def iwae_bound(self, images, k=100, batch_size=100):
        """Importance-weighted lower bound on ``log p(x)`` per image, nats (NumPy ``(N,)``).

        ``log (1/k) sum_i exp(w_i)`` with the stable :func:`log_mean_exp`; ``k = 1`` is a
        one-sample ELBO estimate, larger ``k`` is tighter.
        """
        return log_mean_exp(self.log_weights(images, k=k, batch_size=batch_size), axis=1)

    def summary_nats(self, images, k=100, samples=10):
        """Test figures in nats per image and bits/dim: neg-ELBO, recon, KL and ``-IWAE_k``.

        Returns
        -------
        dict
            ``neg_elbo``, ``recon``, ``kl``, ``neg_iwae`` (means over images, nats) and
            ``neg_elbo_bpd``, ``neg_iwae_bpd``.
        """
        terms = self.elbo_terms(images, samples=samples)
        neg_iwae = -float(np.mean(self.iwae_bound(images, k=k)))
        out = {key: float(np.mean(value)) for key, value in terms.items()}
        out["neg_iwae"] = neg_iwae
        out["neg_elbo_bpd"] = bits_per_dim(out["neg_elbo"])
        out["neg_iwae_bpd"] = bits_per_dim(neg_iwae)
        return out


def train_vae(images, latent_dim=2, beta=1.0, epochs=30, batch_size=64, learning_rate=3e-3, seed=0,
              progress=False, callbacks=(), checkpoint_dir=None):
    """Train a :class:`VAE` with the course's settings on binary images; return ``(model, history)``.

    Adam(``learning_rate``), ``batch_size`` 64 (the last incomplete batch of an epoch is
    dropped), :func:`helpers.training.fit_resumable` with :func:`helpers.training.image_batches`:
    the settings of the shipped models (``scripts/data/train_vae.py``) and of the benchmark.

    Parameters
    ----------
    images : array_like, binary, shape (N, 28, 28) or (N, 28, 28, 1)
    latent_dim, beta : see :class:`VAE`
    epochs, batch_size : int
    learning_rate : float
    seed : int
        Seeds the model (weights, noise) and the data order; the global seeds are left alone.
    progress : bool
        Show a progress bar.
    callbacks : sequence
        Passed to :func:`helpers.training.fit_resumable` (e.g. ``LiveSamples``).
    checkpoint_dir : path, optional
        Resume from / checkpoint to this folder (see :func:`helpers.training.fit_resumable`).

    Returns
    -------
    model : VAE
    history : dict
        Per-epoch means of ``loss``, ``neg_elbo``, ``recon``, ``kl`` (nats per image), and ``epoch``.

    Examples
    --------
    >>> x = np.zeros((64, 28, 28), "float32")
    >>> model, history = train_vae(x, epochs=2)
    >>> history["epoch"], bool(history["neg_elbo"][1] < history["neg_elbo"][0])
    ([0, 1], True)
    """
    x = check_binary_images(images)
    model = VAE(latent_dim=latent_dim, beta=beta, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(float(learning_rate)))
    history = fit_resumable(model, image_batches(x, batch_size), epochs, checkpoint_dir=checkpoint_dir,
                            callbacks=callbacks, seed=seed, progress=progress)
    return model, epoch_means(history)


def load_vae(path):
    """Load a VAE saved with ``model.save("name.keras")`` (safe mode, no pickled code).

    The shipped VAEs: ``helpers.models.load_shipped("vae_z2")`` and the others of
    :data:`helpers.models.SHIPPED`.

    Raises
    ------
    ValueError
        The file does not hold a :class:`VAE`.
    """
    model = load_model(path)
    if not isinstance(model, VAE):
        raise ValueError(f"{path} holds a {type(model).__name__}, not a VAE")
    return model
