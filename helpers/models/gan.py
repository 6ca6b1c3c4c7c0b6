"""Generative adversarial networks in Keras 3, small enough to train on a laptop CPU.

- :class:`GAN` -- a ``keras.Model`` holding a generator and a discriminator, with its own
  ``train_step`` (one discriminator update, then one generator update, on the
  non-saturating loss) and tracked metrics ``d_loss``, ``g_loss``, ``d_real``, ``d_fake``.
- :func:`make_dcgan` / :func:`make_conditional_dcgan` / :func:`make_toy_gan` -- ready-made
  GANs for 28x28 digits, class-conditional digits, and 1-D/2-D toy data. Each takes a
  ``seed`` and uses it locally (the global seeds are left alone).
- Option ``ema`` of :class:`GAN` (and the factories): an exponential moving average of the
  generator's weights, which :meth:`GAN.generate` samples from (``benchmarks/gan_ablation.py``
  measures it and the other techniques notebook 04 discusses).
- :func:`load_generator` -- a saved generator as a :class:`GAN` for sampling; the shipped ones
  are loaded by name with :func:`helpers.models.load_shipped` (``"dcgan"``, ``"conditional_dcgan"``).

Train with :func:`helpers.training.fit_resumable` and the batches of
:func:`helpers.training.image_batches` (digits) or :func:`helpers.training.array_batches` (toy data).

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

from .. import checks
from ..data import DIGIT_SHAPE
from ..training import SeededInitializers, load_model

PACKAGE = "course"


# --------------------------------------------------------------------------- networks


def dcgan_generator(latent_dim=32, filters=32, n_classes=0, name="generator", seed=0):
    """z (latent_dim) [+ one-hot class] -> dense 7x7x(2 filters) -> up 14x14x filters -> up 28x28x1.

    Batch normalisation after the dense and the first transposed convolution, ReLU,
    sigmoid output in [0, 1]. ``seed``: an int, or a :class:`helpers.training.SeededInitializers`
    shared with the discriminator.
    """
    init = SeededInitializers.of(seed)
    h_out, w_out = DIGIT_SHAPE
    z = keras.Input((latent_dim,), name="z")
    inputs = [z]
    h = z
    if n_classes:
        label = keras.Input((n_classes,), name="label_onehot")
        inputs.append(label)
        h = layers.Concatenate()([z, label])
    h = layers.Dense((h_out // 4) * (w_out // 4) * 2 * filters, use_bias=False, kernel_initializer=init())(h)
    h = layers.BatchNormalization()(h)
    h = layers.ReLU()(h)
    h = layers.Reshape((h_out // 4, w_out // 4, 2 * filters))(h)
    h = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False, kernel_initializer=init())(h)
    h = layers.BatchNormalization()(h)
    h = layers.ReLU()(h)
    out = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid",
                                 kernel_initializer=init())(h)
    return keras.Model(inputs if n_classes else z, out, name=name)


def dcgan_discriminator(filters=32, n_classes=0, dropout=0.0, name="discriminator", seed=0,
                        conditioning="channels"):
    """28x28x1 [+ class] -> conv s2 -> conv s2 -> logit. LeakyReLU 0.2.

    ``conditioning`` (with ``n_classes``): how the class enters.

    - ``"channels"``: the one-hot class as ``n_classes`` constant image channels beside the image
      (Mirza & Osindero 2014), so the first convolution sees it at every pixel.
    - ``"projection"``: the image's features ``h`` (the flattened output of the last convolution)
      give the logit ``w . h + e_y . h``, with one learnt vector ``e_y`` per class (Miyato & Koyama
      2018): the class asks "do these features look like a ``y``?" directly.

    ``seed``: an int, or a :class:`helpers.training.SeededInitializers` shared with the generator.
    """
    checks.choice(conditioning, "conditioning", ("channels", "projection"))
    init = SeededInitializers.of(seed)
    image = keras.Input((*DIGIT_SHAPE, 1), name="image")
    inputs = [image]
    h = image
    if n_classes:
        label = keras.Input((n_classes,), name="label_onehot")
        inputs.append(label)
        if conditioning == "channels":
            planes = layers.Reshape((1, 1, n_classes))(label)
            planes = layers.UpSampling2D(DIGIT_SHAPE)(planes)
            h = layers.Concatenate()([image, planes])
    h = layers.Conv2D(filters, 4, strides=2, padding="same", kernel_initializer=init())(h)
    h = layers.LeakyReLU(0.2)(h)
    if dropout:
        h = layers.Dropout(dropout, seed=11)(h)
    h = layers.Conv2D(2 * filters, 4, strides=2, padding="same", kernel_initializer=init())(h)
    h = layers.LeakyReLU(0.2)(h)
    if dropout:
        h = layers.Dropout(dropout, seed=12)(h)
    h = layers.Flatten()(h)
    out = layers.Dense(1, kernel_initializer=init())(h)
    if n_classes and conditioning == "projection":
        class_vector = layers.Dense(h.shape[-1], use_bias=False, kernel_initializer=init(),
                                    name="class_embedding")(label)        # e_y: one row per class
        out = layers.Add()([out, layers.Dot(axes=1)([h, class_vector])])
    return keras.Model(inputs if n_classes else image, out, name=name)


def mlp(input_dim, output_dim, hidden=64, depth=2, name="mlp", seed=0):
    """A small fully connected network (LeakyReLU hidden layers), for toy data.

    ``seed``: an int, or a :class:`helpers.training.SeededInitializers` shared with another network.
    """
    init = SeededInitializers.of(seed)
    x = keras.Input((input_dim,))
    h = x
    for _ in range(depth):
        h = layers.Dense(hidden, kernel_initializer=init())(h)
        h = layers.LeakyReLU(0.2)(h)
    out = layers.Dense(output_dim, kernel_initializer=init())(h)
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
    ema : float in [0, 1)
        0 (default): off. Otherwise the model keeps ``ema_generator``, a copy of the generator
        whose every variable (weights and batch-norm statistics) is an exponential moving
        average of the trained generator's, ``v_avg <- d v_avg + (1 - d) v`` after each
        generator update with ``d = ema`` (after a warm-up, :meth:`ema_decay`); :meth:`generate`
        samples from it (Yazıcı et al. 2019). Training itself is unchanged.

    After :meth:`compile` (``g_optimizer``/``d_optimizer``, default Adam 2e-4, beta_1 0.5,
    no XLA), train with :func:`helpers.training.fit_resumable` or ``model.fit``.
    """

    def __init__(self, generator, discriminator, latent_dim, n_classes=0, label_smoothing=0.0,
                 seed=0, g_loss="non_saturating", ema=0.0, **kwargs):
        super().__init__(**kwargs)
        if g_loss not in ("non_saturating", "minimax"):
            raise ValueError(f"g_loss must be 'non_saturating' or 'minimax'; got {g_loss!r}")
        self.g_loss_kind = g_loss
        checks.integer(latent_dim, "latent_dim")
        if not 0 <= label_smoothing < 0.5:
            raise ValueError(f"label_smoothing must lie in [0, 0.5); got {label_smoothing!r}")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.n_classes = int(n_classes)
        self.label_smoothing = float(label_smoothing)
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("d_loss", "g_loss", "d_real", "d_fake")}
        gen_in = generator.inputs[0].shape[-1]
        if gen_in != latent_dim:
            raise ValueError(f"the generator takes z of size {gen_in}, but latent_dim={latent_dim}")
        self.ema = checks.real(ema, "ema", low=0.0, high=1.0)
        if self.ema == 1.0:
            raise ValueError("ema must be < 1 (1 would never move the average); 0 turns it off")
        self.ema_generator = None
        if self.ema:
            # A copy of the generator whose variables (weights and batch-norm statistics) follow
            # an exponential moving average of the trained generator's; generate() samples from it.
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
        self.built = True  # both sub-models are built by their Input layers; nothing else to create

    # ---- configuration
    def get_config(self):
        return {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim, "n_classes": self.n_classes,
            "label_smoothing": self.label_smoothing, "seed": self.seed, "name": self.name,
            "g_loss": self.g_loss_kind, "ema": self.ema,
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
        return list(self.trackers.values())

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
        checks.integer(n, "n")
        return checks.make_rng(seed, "seed").standard_normal((n, self.latent_dim)).astype("float32")

    @property
    def sampler(self):
        """The generator that :meth:`generate` uses: the averaged copy if ``ema`` is on, else the trained one."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def generate(self, z=None, labels=None, n=None, seed=0, batch_size=500, averaged=True):
        """Samples as a NumPy array (float32 in [0, 1] for the digit GANs).

        Parameters
        ----------
        z : array_like, shape (n, latent_dim), optional
            Latent vectors; drawn with :meth:`latent` (``n``, ``seed``) if omitted.
        labels : array_like of int, shape (n,), optional
            Classes for a conditional GAN (default: 0, 1, 2, ... cycling).
        averaged : bool
            With ``ema`` on: sample from the averaged generator (default) or, with False, from
            the trained one. Without ``ema`` both are the trained generator.

        Raises
        ------
        ValueError
            If ``z`` is empty, not (n, latent_dim), or holds NaN or infinite values (a generator
            would turn them into NaN images), or ``labels`` do not fit.
        TypeError
            If ``z`` is complex or not numeric.
        """
        if z is None:
            if n is None:
                raise ValueError("give z (n, latent_dim) or n")
            z = self.latent(n, seed)
        z = checks.finite(z, "z", nonempty=True).astype("float32")
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
        checks.flag(averaged, "averaged")
        generator = self.sampler if averaged else self.generator
        out = []
        for i in range(0, len(z), batch_size):
            zb = z[i:i + batch_size]
            if self.n_classes:
                inputs = [zb, np.eye(self.n_classes, dtype="float32")[labels[i:i + batch_size]]]
            else:
                inputs = zb
            out.append(keras.ops.convert_to_numpy(generator(inputs, training=False)))
        return np.concatenate(out)

    # ---- training
    def ema_decay(self, k):
        """Decay of the average's ``k``-th update (``k`` = 1, 2, ...): ``min(ema, k / (9 + k))``.

        A short memory at first, so that the random initial weights are forgotten within a few
        steps (0.1, 0.18, 0.25, ... for the first updates), then ``ema``.
        """
        return ops.minimum(self.ema, k / (9.0 + k))

    def _update_average(self):
        """v_avg <- d v_avg + (1 - d) v for every generator variable, after a generator update."""
        d = self.ema_decay(ops.cast(self.g_optimizer.iterations, "float32"))   # this update's number
        for avg, var in zip(self.ema_generator.variables, self.generator.variables):
            avg.assign(d * avg + (1.0 - d) * var)

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
        if self.ema_generator is not None:
            self._update_average()

        for name, value in (("d_loss", d_loss), ("g_loss", g_loss), ("d_real", ops.mean(ops.sigmoid(l_real))),
                            ("d_fake", ops.mean(ops.sigmoid(l_fake)))):
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}


# --------------------------------------------------------------------------- factories


def make_dcgan(latent_dim=32, g_filters=32, d_filters=32, dropout=0.0, seed=0, compile=True,
               g_lr=5e-4, d_lr=5e-4, beta_1=0.5, label_smoothing=0.0, g_loss="non_saturating", ema=0.0):
    """The course DCGAN for 28x28 digits (183k parameters with the defaults), compiled.

    Defaults were measured on the embedded digits (batch 64, 2 CPU cores): Adam 5e-4 without
    discriminator dropout reached FID 95 after 25 epochs, against 132 for Adam 2e-4 (D 4e-4)
    with dropout 0.3. ``seed`` sets the initial weights of both networks and the model's own
    random generator; the global seeds are left alone.

    Examples
    --------
    >>> gan = make_dcgan()
    >>> gan.generate(n=3).shape
    (3, 28, 28, 1)
    """
    init = SeededInitializers(seed)
    gan = GAN(dcgan_generator(latent_dim, g_filters, seed=init),
              dcgan_discriminator(d_filters, dropout=dropout, seed=init),
              latent_dim, label_smoothing=label_smoothing, seed=seed, g_loss=g_loss, ema=ema, name="dcgan")
    if compile:
        gan.compile(keras.optimizers.Adam(g_lr, beta_1=beta_1), keras.optimizers.Adam(d_lr, beta_1=beta_1))
    return gan


def make_conditional_dcgan(latent_dim=32, g_filters=32, d_filters=32, n_classes=10, dropout=0.0,
                           seed=0, compile=True, g_lr=5e-4, d_lr=5e-4, beta_1=0.5, ema=0.0,
                           conditioning="channels"):
    """Class-conditional DCGAN: the label (one-hot) goes into both networks. ``seed``: as :func:`make_dcgan`.

    ``conditioning``: how the discriminator receives the class (:func:`dcgan_discriminator`).
    """
    init = SeededInitializers(seed)
    gan = GAN(dcgan_generator(latent_dim, g_filters, n_classes=n_classes, seed=init),
              dcgan_discriminator(d_filters, n_classes=n_classes, dropout=dropout, seed=init,
                                  conditioning=conditioning),
              latent_dim, n_classes=n_classes, seed=seed, ema=ema, name="conditional_dcgan")
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
    init = SeededInitializers(seed)
    gan = GAN(mlp(latent_dim, data_dim, hidden, depth, name="generator", seed=init),
              mlp(data_dim, 1, hidden, depth, name="discriminator", seed=init),
              latent_dim, seed=seed, g_loss=g_loss, name="toy_gan")
    if compile:
        gan.compile(keras.optimizers.Adam(g_lr, beta_1=beta_1), keras.optimizers.Adam(d_lr, beta_1=beta_1))
    return gan


# --------------------------------------------------------------------------- saved generators


def load_generator(path):
    """A generator saved with ``save_model(gan.generator, path)`` as a :class:`GAN`, for sampling.

    Loaded with ``safe_mode=True``; the discriminator is a fresh, untrained one (only sampling
    is meant). The shipped generators: ``helpers.models.load_shipped("dcgan")`` and
    ``load_shipped("conditional_dcgan")``.

    Examples
    --------
    >>> from helpers.models import SHIPPED
    >>> from helpers.data import embedded_path
    >>> load_generator(embedded_path(SHIPPED["dcgan"].file)).generate(n=2).shape
    (2, 28, 28, 1)
    """
    from pathlib import Path

    generator = load_model(path, compile=False)
    latent_dim = generator.inputs[0].shape[-1]
    n_classes = generator.inputs[1].shape[-1] if len(generator.inputs) > 1 else 0
    return GAN(generator, dcgan_discriminator(n_classes=n_classes), latent_dim, n_classes=n_classes,
               name=Path(path).stem)
