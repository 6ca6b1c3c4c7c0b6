"""Generative adversarial networks in Keras 3, small enough to train on a laptop CPU.

- :class:`GAN` -- a ``keras.Model`` holding a generator and a discriminator, with its own
  ``train_step`` (one discriminator update, then one generator update, on the
  non-saturating loss) and tracked metrics ``d_loss``, ``g_loss``, ``d_real``, ``d_fake``.
- :func:`make_dcgan` / :func:`make_conditional_dcgan` / :func:`make_toy_gan` -- ready-made
  GANs for 28x28 digits, class-conditional digits, and 1-D/2-D toy data.
- :func:`image_batches` -- a ``dataset_fn(epoch, rng)`` for :func:`helpers.training.fit_resumable`.

Images are float32 in [0, 1] with shape (N, 28, 28, 1): the generator ends in a sigmoid.
All randomness inside training comes from the model's own ``keras.random.SeedGenerator``,
so a run resumed from a checkpoint continues exactly (see :mod:`helpers.training`).

The losses, with ``D`` giving a logit ``l`` and ``sigma`` the logistic function::

    d_loss = -log sigma(l_real) - log(1 - sigma(l_fake))     = softplus(-l_real) + softplus(l_fake)
    g_loss = -log sigma(l_fake)       (non-saturating)       = softplus(-l_fake)

The original min-max generator loss ``log(1 - sigma(l_fake))`` has almost no gradient when
the discriminator rejects the fakes confidently (early in training); ``-log sigma(l_fake)``
has the same fixed point and a strong gradient there.
"""

from __future__ import annotations

import numpy as np

import keras
from keras import layers, ops

from ..metrics import check_digit_images

PACKAGE = "course"


# --------------------------------------------------------------------------- networks


def dcgan_generator(latent_dim=32, filters=32, n_classes=0, name="generator"):
    """z (latent_dim) [+ one-hot class] -> dense 7x7x(2 filters) -> up 14x14x filters -> up 28x28x1.

    Batch normalisation after the dense and the first transposed convolution, ReLU,
    sigmoid output in [0, 1].
    """
    z = keras.Input((latent_dim,), name="z")
    inputs = [z]
    h = z
    if n_classes:
        label = keras.Input((n_classes,), name="label_onehot")
        inputs.append(label)
        h = layers.Concatenate()([z, label])
    h = layers.Dense(7 * 7 * 2 * filters, use_bias=False)(h)
    h = layers.BatchNormalization()(h)
    h = layers.ReLU()(h)
    h = layers.Reshape((7, 7, 2 * filters))(h)
    h = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(h)
    h = layers.BatchNormalization()(h)
    h = layers.ReLU()(h)
    out = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid")(h)
    return keras.Model(inputs if n_classes else z, out, name=name)


def dcgan_discriminator(filters=32, n_classes=0, dropout=0.0, name="discriminator"):
    """28x28x1 [+ class as constant channels] -> conv s2 -> conv s2 -> logit. LeakyReLU 0.2."""
    image = keras.Input((28, 28, 1), name="image")
    inputs = [image]
    h = image
    if n_classes:
        label = keras.Input((n_classes,), name="label_onehot")
        inputs.append(label)
        planes = layers.Reshape((1, 1, n_classes))(label)
        planes = layers.UpSampling2D(28)(planes)
        h = layers.Concatenate()([image, planes])
    h = layers.Conv2D(filters, 4, strides=2, padding="same")(h)
    h = layers.LeakyReLU(0.2)(h)
    if dropout:
        h = layers.Dropout(dropout, seed=11)(h)
    h = layers.Conv2D(2 * filters, 4, strides=2, padding="same")(h)
    h = layers.LeakyReLU(0.2)(h)
    if dropout:
        h = layers.Dropout(dropout, seed=12)(h)
    h = layers.Flatten()(h)
    out = layers.Dense(1)(h)
    return keras.Model(inputs if n_classes else image, out, name=name)


def mlp(input_dim, output_dim, hidden=64, depth=2, name="mlp", extra_input=0):
    """A small fully connected network (LeakyReLU hidden layers), for toy data."""
    x = keras.Input((input_dim,))
    h = x
    for _ in range(depth):
        h = layers.Dense(hidden)(h)
        h = layers.LeakyReLU(0.2)(h)
    out = layers.Dense(output_dim)(h)
    return keras.Model(x, out, name=name)


# --------------------------------------------------------------------------- the model


@keras.saving.register_keras_serializable(package=PACKAGE)
class GAN(keras.Model):
    """Generator + discriminator trained in alternation with the non-saturating loss.

    Parameters
    ----------
    generator : keras.Model
        Maps ``z`` of shape (batch, latent_dim) (plus a one-hot label if ``n_classes``) to
        a sample.
    discriminator : keras.Model
        Maps a sample (plus the one-hot label if ``n_classes``) to one logit.
    latent_dim : int
    n_classes : int
        0 for an unconditional GAN; otherwise batches are ``(x, labels)`` with integer labels.
    label_smoothing : float
        Target for real samples is ``1 - label_smoothing`` in the discriminator loss.
    seed : int
        Seed of the model's own random generator (latent vectors during training).
    g_loss : {"non_saturating", "minimax"}
        Generator loss: ``-log D(G(z))`` (default) or the original ``log(1 - D(G(z)))``,
        kept to show why it trains badly.

    After :meth:`compile` (``g_optimizer``/``d_optimizer``, default Adam 2e-4, beta_1 0.5,
    no XLA), train with :func:`helpers.training.fit_resumable` or ``model.fit``.
    """

    def __init__(self, generator, discriminator, latent_dim, n_classes=0, label_smoothing=0.0,
                 seed=0, g_loss="non_saturating", **kwargs):
        super().__init__(**kwargs)
        if g_loss not in ("non_saturating", "minimax"):
            raise ValueError(f"g_loss must be 'non_saturating' or 'minimax'; got {g_loss!r}")
        self.g_loss_kind = g_loss
        if not (isinstance(latent_dim, (int, np.integer)) and latent_dim >= 1):
            raise ValueError(f"latent_dim must be a positive integer; got {latent_dim!r}")
        if not 0 <= label_smoothing < 0.5:
            raise ValueError(f"label_smoothing must lie in [0, 0.5); got {label_smoothing!r}")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.n_classes = int(n_classes)
        self.label_smoothing = float(label_smoothing)
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        gen_in = generator.inputs[0].shape[-1]
        if gen_in != latent_dim:
            raise ValueError(f"the generator takes z of size {gen_in}, but latent_dim={latent_dim}")
        self.built = True  # both sub-models are built by their Input layers; nothing else to create

    # ---- configuration
    def get_config(self):
        return {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim, "n_classes": self.n_classes,
            "label_smoothing": self.label_smoothing, "seed": self.seed, "name": self.name,
            "g_loss": self.g_loss_kind,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Set both optimizers (default Adam(2e-4, beta_1=0.5)); XLA off unless asked."""
        kwargs.setdefault("jit_compile", False)
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)

    def get_compile_config(self):      # optimizers are rebuilt by compile(); nothing to save
        return None

    def optimizer_variables(self):
        """[(optimizer, variables)] for :mod:`helpers.training` checkpoints."""
        return [(self.g_optimizer, self.generator.trainable_variables),
                (self.d_optimizer, self.discriminator.trainable_variables)]

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    # ---- sampling
    def _gen_inputs(self, z, labels):
        if self.n_classes:
            return [z, ops.one_hot(ops.cast(labels, "int32"), self.n_classes)]
        return z

    def _disc_inputs(self, x, labels):
        if self.n_classes:
            return [x, ops.one_hot(ops.cast(labels, "int32"), self.n_classes)]
        return x

    def call(self, z, training=False):
        """Generator output for ``z`` (unconditional) or ``[z, labels]`` (conditional)."""
        if self.n_classes:
            z, labels = z
            return self.generator(self._gen_inputs(z, labels), training=training)
        return self.generator(z, training=training)

    def latent(self, n, seed=0):
        """``n`` standard-normal latent vectors from a NumPy generator seeded with ``seed``."""
        if not (isinstance(n, (int, np.integer)) and n >= 1):
            raise ValueError(f"n must be a positive integer; got {n!r}")
        return np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")

    def generate(self, z=None, labels=None, n=None, seed=0, batch_size=500):
        """Samples as a NumPy array (float32 in [0, 1] for the digit GANs).

        Parameters
        ----------
        z : array_like, shape (n, latent_dim), optional
            Latent vectors; drawn with :meth:`latent` (``n``, ``seed``) if omitted.
        labels : array_like of int, shape (n,), optional
            Classes for a conditional GAN (default: 0, 1, 2, ... cycling).
        """
        if z is None:
            if n is None:
                raise ValueError("give z (n, latent_dim) or n")
            z = self.latent(n, seed)
        z = np.asarray(z, dtype="float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (n, {self.latent_dim}) for this generator "
                             f"(latent_dim={self.latent_dim}); got {z.shape}")
        if self.n_classes:
            if labels is None:
                labels = np.arange(len(z)) % self.n_classes
            labels = np.asarray(labels)
            if labels.shape != (len(z),) or labels.min() < 0 or labels.max() >= self.n_classes:
                raise ValueError(f"labels must be {len(z)} integers in 0..{self.n_classes - 1}; "
                                 f"got shape {labels.shape}")
        elif labels is not None:
            raise ValueError("labels are only for a conditional GAN (n_classes > 0)")
        out = []
        for i in range(0, len(z), batch_size):
            zb = z[i:i + batch_size]
            if self.n_classes:
                inputs = [zb, np.eye(self.n_classes, dtype="float32")[labels[i:i + batch_size]]]
            else:
                inputs = zb
            out.append(keras.ops.convert_to_numpy(self.generator(inputs, training=False)))
        return np.concatenate(out)

    # ---- training
    def train_step(self, data):
        import tensorflow as tf

        x, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(x, (tuple, list)):          # ((x, labels),) from a dataset
            x, labels = x
        batch = ops.shape(x)[0]
        if self.n_classes and labels is None:
            raise ValueError("a conditional GAN needs batches (images, labels)")
        real_target = 1.0 - self.label_smoothing

        # 1) discriminator: real -> 1, fake -> 0
        z = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        fake = self.generator(self._gen_inputs(z, labels), training=True)
        with tf.GradientTape() as tape:
            l_real = self.discriminator(self._disc_inputs(x, labels), training=True)
            l_fake = self.discriminator(self._disc_inputs(fake, labels), training=True)
            # BCE with logits: target t -> t softplus(-l) + (1 - t) softplus(l)
            d_loss = (ops.mean(real_target * ops.softplus(-l_real)
                               + (1 - real_target) * ops.softplus(l_real))
                      + ops.mean(ops.softplus(l_fake)))
        grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))

        # 2) generator: make D say "real" (non-saturating loss)
        z = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            fake = self.generator(self._gen_inputs(z, labels), training=True)
            l_gen = self.discriminator(self._disc_inputs(fake, labels), training=True)
            if self.g_loss_kind == "minimax":      # minimise log(1 - sigma(l)) = -softplus(l)
                g_loss = -ops.mean(ops.softplus(l_gen))
            else:                                   # minimise -log sigma(l) = softplus(-l)
                g_loss = ops.mean(ops.softplus(-l_gen))
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(ops.mean(ops.sigmoid(l_real)))
        self.d_fake_tracker.update_state(ops.mean(ops.sigmoid(l_fake)))
        return {m.name: m.result() for m in self.metrics}


# --------------------------------------------------------------------------- factories


def make_dcgan(latent_dim=32, g_filters=32, d_filters=32, dropout=0.0, seed=0, compile=True,
               g_lr=5e-4, d_lr=5e-4, beta_1=0.5, label_smoothing=0.0, g_loss="non_saturating"):
    """The course DCGAN for 28x28 digits (183k parameters with the defaults), compiled.

    Defaults were measured on the embedded digits (batch 64, 2 CPU cores): Adam 5e-4 without
    discriminator dropout reached FID 95 after 25 epochs, against 132 for Adam 2e-4 (D 4e-4)
    with dropout 0.3.

    Examples
    --------
    >>> gan = make_dcgan()
    >>> gan.generate(n=3).shape
    (3, 28, 28, 1)
    """
    keras.utils.set_random_seed(seed)
    gan = GAN(dcgan_generator(latent_dim, g_filters), dcgan_discriminator(d_filters, dropout=dropout),
              latent_dim, label_smoothing=label_smoothing, seed=seed, g_loss=g_loss, name="dcgan")
    if compile:
        gan.compile(keras.optimizers.Adam(g_lr, beta_1=beta_1), keras.optimizers.Adam(d_lr, beta_1=beta_1))
    return gan


def make_conditional_dcgan(latent_dim=32, g_filters=32, d_filters=32, n_classes=10, dropout=0.0,
                           seed=0, compile=True, g_lr=5e-4, d_lr=5e-4, beta_1=0.5):
    """Class-conditional DCGAN: the label (one-hot) goes into both networks."""
    keras.utils.set_random_seed(seed)
    gan = GAN(dcgan_generator(latent_dim, g_filters, n_classes=n_classes),
              dcgan_discriminator(d_filters, n_classes=n_classes, dropout=dropout),
              latent_dim, n_classes=n_classes, seed=seed, name="conditional_dcgan")
    if compile:
        gan.compile(keras.optimizers.Adam(g_lr, beta_1=beta_1), keras.optimizers.Adam(d_lr, beta_1=beta_1))
    return gan


def make_toy_gan(data_dim=1, latent_dim=4, hidden=64, depth=2, seed=0, compile=True,
                 g_lr=1e-3, d_lr=1e-3, beta_1=0.5, g_loss="non_saturating"):
    """A tiny fully connected GAN for 1-D or 2-D toy data (trains in seconds).

    Examples
    --------
    >>> gan = make_toy_gan(data_dim=2)
    >>> gan.generate(n=5).shape
    (5, 2)
    """
    if data_dim not in (1, 2):
        raise ValueError(f"data_dim must be 1 or 2; got {data_dim!r}")
    keras.utils.set_random_seed(seed)
    gan = GAN(mlp(latent_dim, data_dim, hidden, depth, name="generator"),
              mlp(data_dim, 1, hidden, depth, name="discriminator"),
              latent_dim, seed=seed, g_loss=g_loss, name="toy_gan")
    if compile:
        gan.compile(keras.optimizers.Adam(g_lr, beta_1=beta_1), keras.optimizers.Adam(d_lr, beta_1=beta_1))
    return gan


# --------------------------------------------------------------------------- data


def image_batches(images, batch_size=64, labels=None, drop_remainder=True):
    """A ``dataset_fn(epoch, rng)`` that shuffles digit images with ``rng`` each epoch.

    Parameters
    ----------
    images : array_like of float in [0, 1], shape (N, 28, 28) or (N, 28, 28, 1)
        Validated once here (clear error on a wrong shape or range).
    batch_size : int
    labels : array_like of int, shape (N,), optional
        For a conditional GAN: batches become ``(images, labels)``.
    drop_remainder : bool
        Drop the last incomplete batch (every step then sees ``batch_size`` images).

    Examples
    --------
    >>> fn = image_batches(np.zeros((130, 28, 28), "float32"), batch_size=64)
    >>> [b.shape for b in fn(0, np.random.default_rng(0))]
    [(64, 28, 28, 1), (64, 28, 28, 1)]
    """
    x = check_digit_images(images, "images", 1)[..., None]
    if not (isinstance(batch_size, (int, np.integer)) and 1 <= batch_size <= len(x)):
        raise ValueError(f"batch_size must be an integer in 1..{len(x)}; got {batch_size!r}")
    y = None
    if labels is not None:
        y = np.asarray(labels).astype("int32")
        if y.shape != (len(x),):
            raise ValueError(f"labels must have shape ({len(x)},); got {y.shape}")
    stop = len(x) - len(x) % batch_size if drop_remainder else len(x)

    def dataset_fn(epoch, rng):
        order = rng.permutation(len(x))
        for i in range(0, stop, batch_size):
            idx = np.sort(order[i:i + batch_size])
            yield (x[idx], y[idx]) if y is not None else x[idx]

    return dataset_fn


def array_batches(samples, batch_size=128):
    """A ``dataset_fn(epoch, rng)`` for toy data: float32 samples of shape (N, d) or (N,)."""
    s = np.asarray(samples, dtype="float32")
    if s.ndim == 1:
        s = s[:, None]
    if s.ndim != 2 or not np.isfinite(s).all():
        raise ValueError(f"samples must be finite, shape (N,) or (N, d); got {np.shape(samples)}")
    if not (isinstance(batch_size, (int, np.integer)) and 1 <= batch_size <= len(s)):
        raise ValueError(f"batch_size must be an integer in 1..{len(s)}; got {batch_size!r}")

    def dataset_fn(epoch, rng):
        order = rng.permutation(len(s))
        for i in range(0, len(s) - len(s) % batch_size, batch_size):
            yield s[order[i:i + batch_size]]

    return dataset_fn


# --------------------------------------------------------------------------- shipped weights

#: Generators trained by ``scripts/train_gan.py`` and shipped in ``data/`` (see data/README.md).
SHIPPED = {"dcgan": "gan_generator.keras", "conditional": "gan_conditional_generator.keras"}


def load_shipped(kind="dcgan"):
    """The course-trained generator of ``kind`` ("dcgan" or "conditional") as a :class:`GAN`.

    The file is checked against ``data/SHA256SUMS`` and loaded with ``safe_mode=True``;
    the discriminator is a fresh, untrained one (only sampling is meant).

    Examples
    --------
    >>> gan = load_shipped("conditional")
    >>> gan.generate(n=2, labels=[3, 7]).shape
    (2, 28, 28, 1)
    """
    from .. import data
    from ..training import load_model

    if kind not in SHIPPED:
        raise ValueError(f"kind={kind!r} is not valid; expected one of {sorted(SHIPPED)}")
    generator = load_model(data.embedded_path(SHIPPED[kind]), compile=False)
    latent_dim = generator.inputs[0].shape[-1]
    n_classes = generator.inputs[1].shape[-1] if len(generator.inputs) > 1 else 0
    discriminator = dcgan_discriminator(n_classes=n_classes)
    return GAN(generator, discriminator, latent_dim, n_classes=n_classes,
               name=f"shipped_{kind}")
