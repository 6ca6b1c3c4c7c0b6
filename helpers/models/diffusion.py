"""Diffusion models and flow matching in Keras 3, small enough to train on a laptop CPU.

The pieces, in the order notebook 06 uses them:

- **Forward process, samplers, exact denoiser** (NumPy, in :mod:`helpers.diffusion_process`
  and importable from here too): :func:`alpha_sigma` and :func:`q_sample` for the schedules
  ``"linear"``, ``"cosine"`` and ``"flow"``; :func:`sample_loop`; :func:`mixture_denoiser`.
- **Networks**: :func:`build_unet` (a small U-Net for 28x28 digits with a time embedding,
  skip connections and an optional class embedding whose extra "no class" token serves
  classifier-free guidance) and :func:`build_mlp` (for 1-D/2-D toy data).
- **The model**: :class:`Diffusion`, a ``keras.Model`` with its own ``train_step`` for one of the
  objectives ``"eps"`` (predict the noise), ``"x0"`` (the clean data), ``"v"``
  (``alpha eps - sigma x_0``) or ``"velocity"`` (flow matching: ``eps - x_0``), an exponential
  moving average (EMA) of its weights, and :meth:`Diffusion.generate`. It trains with
  :func:`helpers.training.fit_resumable` (progress bar, live samples, exact resume) and saves
  as a ``.keras`` file loaded with ``safe_mode=True``.
- **Sampling** (:meth:`Diffusion.generate`): the samplers of :func:`sample_loop` (``"ddpm"``,
  ``"ddim"``, ``"euler"``, ``"heun"``; for the flow schedule Euler and DDIM are the same
  update) with classifier-free guidance of scale ``w``:
  ``prediction = unconditional + w (conditional - unconditional)``; ``w = 0`` is unconditional
  sampling, ``w = 1`` plain conditional sampling. All randomness comes from a seed.

Data are mapped to [-1, 1] for images (``value_range=(0, 1)``); samples are mapped back.
All randomness during training comes from the model's own ``keras.random.SeedGenerator``,
so a run resumed from a checkpoint continues exactly (see :mod:`helpers.training`).
"""

from __future__ import annotations

import math

import numpy as np

import keras
from keras import layers, ops

from .. import checks
from ..diffusion_process import (COSINE_ALPHA_END, LINEAR_BETA, SAMPLERS, SCHEDULES, alpha_sigma,  # noqa: F401
                                alpha_sigma_derivatives, flow_interpolate, mixture_denoiser, q_sample,
                                sample_loop, signal_to_noise, time_grid)
from ..training import SeededInitializers, fit_resumable, image_batches, load_model

PACKAGE = "course"

OBJECTIVES = ("eps", "x0", "v", "velocity")
TIME_SAMPLING = ("uniform", "logit_normal")


def _alpha_sigma_tensor(t, schedule):
    """The same as :func:`alpha_sigma` on backend tensors (inside ``train_step``)."""
    if schedule == "flow":
        return 1.0 - t, t
    if schedule == "cosine":
        theta = t * math.acos(COSINE_ALPHA_END)
        return ops.cos(theta), ops.sin(theta)
    b0, b1 = LINEAR_BETA
    alpha = ops.exp(-0.5 * (b0 * t + 0.5 * (b1 - b0) * t * t))
    return alpha, ops.sqrt(ops.maximum(1.0 - alpha * alpha, 0.0))


# --------------------------------------------------------------------------- networks


@keras.saving.register_keras_serializable(package=PACKAGE)
class SinusoidalEmbedding(layers.Layer):
    """Time ``t`` in [0, 1] -> ``[sin(t f_1), ..., sin(t f_dim/2), cos(t f_1), ...]``.

    Frequencies ``f`` are spaced geometrically from 1 to ``max_frequency``: slow waves tell
    far-apart times apart, fast ones nearby times (the "positional encoding" of transformers).
    """

    def __init__(self, dim=32, max_frequency=1000.0, **kwargs):
        super().__init__(**kwargs)
        self.dim = checks.integer(dim, "dim")
        if self.dim % 2:
            raise ValueError(f"dim must be even; got {dim}")
        self.max_frequency = checks.real(max_frequency, "max_frequency", 1.0)

    def call(self, t):
        t = ops.reshape(ops.cast(t, "float32"), (-1, 1))
        freqs = ops.exp(ops.linspace(0.0, math.log(self.max_frequency), self.dim // 2))
        angles = t * ops.reshape(freqs, (1, -1))
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "max_frequency": self.max_frequency}


def _res_block(x, emb, channels, init, name):
    """x -> SiLU -> conv3x3 -> + Dense(emb) -> SiLU -> conv3x3, plus the input (1x1 conv if needed)."""
    h = layers.Activation("silu", name=f"{name}_act1")(x)
    h = layers.Conv2D(channels, 3, padding="same", kernel_initializer=init(), name=f"{name}_conv1")(h)
    e = layers.Dense(channels, kernel_initializer=init(), name=f"{name}_time")(emb)
    h = layers.Add(name=f"{name}_add_time")([h, layers.Reshape((1, 1, channels), name=f"{name}_bcast")(e)])
    h = layers.Activation("silu", name=f"{name}_act2")(h)
    h = layers.Conv2D(channels, 3, padding="same", kernel_initializer=init(), name=f"{name}_conv2")(h)
    if x.shape[-1] != channels:
        x = layers.Conv2D(channels, 1, kernel_initializer=init(), name=f"{name}_skip")(x)
    return layers.Add(name=f"{name}_out")([x, h])


def build_unet(channels=(32, 64), blocks=1, n_classes=0, image_shape=(28, 28, 1), embed_dim=128,
               fold=2, attention=False, seed=0, name="unet"):
    """A small U-Net for digit images: ``[x_t, t]`` (or ``[x_t, t, label]``) -> one image-sized output.

    Layout (``fold=2``, ``channels=(32, 64)``): the 28x28 image is first folded into 14x14
    feature maps by a stride-2 convolution (working at a quarter of the pixels is what makes a
    CPU fast enough); a residual block per level at 14x14 (32 channels) and 7x7 (64 channels)
    on the way down, the same on the way up, each fed the matching *skip connection* from the
    way down; a transposed convolution unfolds the result back to 28x28. Every residual block
    adds the time embedding (sinusoidal features of ``t`` through two dense layers), plus the
    class embedding when ``n_classes > 0``; class index ``n_classes`` is the "no class" token
    used for unconditional predictions in classifier-free guidance.

    Parameters
    ----------
    channels : tuple of int
        Channels per resolution level (each level halves the resolution).
    blocks : int
        Residual blocks per level on the way down (one more on the way up).
    n_classes : int
        0: unconditional network; otherwise it takes a third input, integer labels in
        ``0 .. n_classes`` (``n_classes`` = no class).
    image_shape : tuple
    embed_dim : int
        Width of the time (and class) embedding.
    fold : int
        Stride of the first convolution (1: work at full resolution).
    attention : bool
        Self-attention over the positions of the lowest level.
    seed : int
        Seeds the initial weights (global seeds are not touched).

    Examples
    --------
    >>> net = build_unet(n_classes=10)
    >>> [tuple(i.shape) for i in net.inputs]
    [(None, 28, 28, 1), (None,), (None,)]
    """
    channels = tuple(checks.integer(c, "channels") for c in channels)
    if not channels:
        raise ValueError("channels must name at least one level")
    blocks = checks.integer(blocks, "blocks")
    n_classes = checks.integer(n_classes, "n_classes", minimum=0)
    fold = checks.integer(fold, "fold")
    h_img, w_img = image_shape[:2]
    levels = len(channels)
    if h_img % (fold * 2 ** (levels - 1)) or w_img % (fold * 2 ** (levels - 1)):
        raise ValueError(f"image_shape {image_shape} must be divisible by fold * 2^(levels - 1) "
                         f"= {fold * 2 ** (levels - 1)}")
    init = SeededInitializers.of(seed)
    x_in = keras.Input(image_shape, name="x_t")
    t_in = keras.Input((), name="t")
    inputs = [x_in, t_in]
    emb = SinusoidalEmbedding(32, name="time_features")(t_in)
    emb = layers.Dense(embed_dim, activation="silu", kernel_initializer=init(), name="time_dense")(emb)
    if n_classes:
        y_in = keras.Input((), dtype="int32", name="label")
        inputs.append(y_in)
        class_emb = layers.Embedding(n_classes + 1, embed_dim, name="class_embedding",
                                     embeddings_initializer=keras.initializers.RandomNormal(
                                         stddev=0.05, seed=init._random.randint(1, 10**9)))(y_in)
        emb = layers.Add(name="time_plus_class")([emb, class_emb])
    emb = layers.Dense(embed_dim, activation="silu", kernel_initializer=init(), name="embedding")(emb)

    if fold > 1:
        h = layers.Conv2D(channels[0], 2 * fold, strides=fold, padding="same", kernel_initializer=init(),
                          name="fold")(x_in)
    else:
        h = layers.Conv2D(channels[0], 3, padding="same", kernel_initializer=init(), name="stem")(x_in)
    skips = [h]
    for level, c in enumerate(channels):
        for b in range(blocks):
            h = _res_block(h, emb, c, init, f"down{level}_{b}")
            skips.append(h)
        if level < levels - 1:
            h = layers.Conv2D(c, 3, strides=2, padding="same", kernel_initializer=init(),
                              name=f"downsample{level}")(h)
            skips.append(h)
    h = _res_block(h, emb, channels[-1], init, "middle0")
    if attention:
        size = h.shape[1] * h.shape[2]
        a = layers.Reshape((size, channels[-1]), name="attn_flatten")(h)
        a = layers.LayerNormalization(name="attn_norm")(a)
        a = layers.MultiHeadAttention(4, channels[-1] // 4, kernel_initializer=init(), name="attn")(a, a)
        a = layers.Reshape(tuple(h.shape[1:]), name="attn_unflatten")(a)
        h = layers.Add(name="attn_out")([h, a])
    h = _res_block(h, emb, channels[-1], init, "middle1")
    for level in reversed(range(levels)):
        for b in range(blocks + 1):
            h = layers.Concatenate(name=f"up{level}_{b}_concat")([h, skips.pop()])
            h = _res_block(h, emb, channels[level], init, f"up{level}_{b}")
        if level > 0:
            h = layers.UpSampling2D(2, name=f"upsample{level}")(h)
            h = layers.Conv2D(channels[level - 1], 3, padding="same", kernel_initializer=init(),
                              name=f"upsample{level}_conv")(h)
    h = layers.Activation("silu", name="out_act")(h)
    if fold > 1:
        out = layers.Conv2DTranspose(image_shape[-1], 2 * fold, strides=fold, padding="same",
                                     kernel_initializer="zeros", name="unfold")(h)
    else:
        out = layers.Conv2D(image_shape[-1], 3, padding="same", kernel_initializer="zeros", name="head")(h)
    return keras.Model(inputs, out, name=name)


def build_mlp(dim=2, hidden=128, depth=3, n_classes=0, seed=0, name="mlp"):
    """A fully connected network ``[x_t, t] -> R^dim`` for 1-D/2-D toy data (trains in seconds).

    ``n_classes > 0`` adds a label input (class ``n_classes`` is the "no class" token) through an
    embedding. ``seed``: an int, or a :class:`helpers.training.SeededInitializers` shared with
    another network; it seeds every random initial weight, the embedding's included (the global
    seeds are left alone).

    Examples
    --------
    >>> build_mlp(2).output.shape
    (None, 2)
    """
    dim = checks.integer(dim, "dim")
    init = SeededInitializers.of(seed)
    x_in = keras.Input((dim,), name="x_t")
    t_in = keras.Input((), name="t")
    inputs = [x_in, t_in]
    h = layers.Concatenate(name="x_and_time")([x_in, SinusoidalEmbedding(16, 100.0, name="time_features")(t_in)])
    if n_classes:
        y_in = keras.Input((), dtype="int32", name="label")
        inputs.append(y_in)
        # Seeded like the kernels (Keras's default "uniform" would draw its seed from Python's global generator).
        embedding = layers.Embedding(n_classes + 1, 8, name="class_embedding",
                                     embeddings_initializer=keras.initializers.RandomUniform(
                                         -0.05, 0.05, seed=init._random.randint(1, 10**9)))
        h = layers.Concatenate(name="with_class")([h, embedding(y_in)])
    for i in range(checks.integer(depth, "depth")):
        h = layers.Dense(hidden, activation="silu", kernel_initializer=init(), name=f"dense{i}")(h)
    out = layers.Dense(dim, kernel_initializer="zeros", name="out")(h)
    return keras.Model(inputs, out, name=name)


# --------------------------------------------------------------------------- the model


def _to_x0_eps(out, x, alpha, sigma, objective):
    """Turn a network output into the pair (x0_hat, eps_hat) for ``x_t = alpha x0 + sigma eps``."""
    if objective == "velocity":        # out = eps - x0 on the flow path alpha = 1 - t, sigma = t
        return x - sigma * out, x + alpha * out
    if objective == "v":               # out = alpha eps - sigma x0 (variance preserving)
        return alpha * x - sigma * out, sigma * x + alpha * out
    if objective == "eps":
        return (x - sigma * out) / max(alpha, 1e-12), out
    return out, (x - alpha * out) / max(sigma, 1e-12)           # "x0"


@keras.saving.register_keras_serializable(package=PACKAGE)
class Diffusion(keras.Model):
    """A denoising network trained as a diffusion model or a flow, with EMA weights and samplers.

    Training (``train_step``, one batch ``x`` or ``(x, labels)``): draw a time ``t`` per sample
    (``time_sampling``), noise ``eps``, form ``x_t = alpha(t) x + sigma(t) eps``, and regress the
    network's output on the objective's target with the mean squared error (or absolute
    error, ``loss="mae"``):

    ========== ==================================== =====================================
    objective  target                               schedules
    ========== ==================================== =====================================
    eps        ``eps``                              linear, cosine
    x0         ``x``                                linear, cosine
    v          ``alpha eps - sigma x``              linear, cosine
    velocity   ``eps - x`` (flow matching)          flow
    ========== ==================================== =====================================

    With ``n_classes > 0`` a share ``p_uncond`` of the labels is replaced by the "no class" token
    ``n_classes``, so that one network learns conditional and unconditional predictions
    (classifier-free guidance). After each step the EMA network moves towards the trained one:
    ``ema <- d ema + (1 - d) weights`` with ``d = min(ema, (1 + n) / (10 + n))`` at step ``n``
    (a short memory early on, so that short runs profit too).

    Parameters
    ----------
    network : keras.Model
        Takes ``[x_t, t]`` (or ``[x_t, t, labels]`` if ``n_classes``) and returns an array of
        the shape of ``x_t`` (:func:`build_unet`, :func:`build_mlp`).
    objective : {"eps", "x0", "v", "velocity"}
    schedule : {"linear", "cosine", "flow"}, optional
        Default: ``"flow"`` for ``"velocity"``, ``"cosine"`` otherwise.
    n_classes : int
    p_uncond : float in [0, 1)
        Share of labels replaced by the no-class token during training.
    ema : float in [0, 1)
        Largest EMA decay (0: no averaging).
    time_sampling : {"uniform", "logit_normal"}
        How training times are drawn: ``U(0, 1)``, or ``sigmoid(N(0, 1))`` (Esser et al. 2024),
        which spends more steps on the middle times where the prediction is hardest.
    loss : {"mse", "mae"}
    value_range : (low, high) or None
        Data in this range are mapped to [-1, 1] for the network (``(0, 1)`` for digit
        images); samples are mapped back. None: data are used as they are (toy data).
    seed : int
        Seed of the model's own random generator (times, noise, label dropout).

    Examples
    --------
    >>> model = Diffusion(build_mlp(2), objective="velocity", value_range=None)
    >>> model.compile()
    >>> model.generate(n=3, steps=2).shape
    (3, 2)
    """

    def __init__(self, network, objective="velocity", schedule=None, n_classes=0, p_uncond=0.1,
                 ema=0.999, time_sampling="logit_normal", loss="mse", value_range=(0.0, 1.0), seed=0,
                 **kwargs):
        super().__init__(**kwargs)
        self.objective = checks.choice(objective, "objective", OBJECTIVES)
        if schedule is None:
            schedule = "flow" if objective == "velocity" else "cosine"
        self.schedule = checks.choice(schedule, "schedule", SCHEDULES)
        if (objective == "velocity") != (schedule == "flow"):
            raise ValueError(f"objective {objective!r} does not go with schedule {schedule!r}: "
                             "'velocity' is the flow schedule's target; 'eps', 'x0' and 'v' use "
                             "'linear' or 'cosine'")
        self.n_classes = checks.integer(n_classes, "n_classes", minimum=0)
        self.p_uncond = checks.real(p_uncond, "p_uncond", 0.0, 1.0)
        if self.p_uncond == 1.0:
            raise ValueError("p_uncond must be < 1 (1 would never show the network a class)")
        self.ema_decay = checks.real(ema, "ema", 0.0, 0.99999)
        self.time_sampling = checks.choice(time_sampling, "time_sampling", TIME_SAMPLING)
        self.loss_kind = checks.choice(loss, "loss", ("mse", "mae"))
        if value_range is not None:
            low, high = (checks.real(v, "value_range") for v in value_range)
            if not high > low:
                raise ValueError(f"value_range must be (low, high) with low < high; got {value_range}")
            value_range = (low, high)
        self.value_range = value_range
        self.seed = checks.integer(seed, "seed", minimum=0)
        self.network = network
        n_inputs = len(network.inputs)
        if n_inputs != (3 if self.n_classes else 2):
            raise ValueError(f"network takes {n_inputs} inputs; a model with n_classes={self.n_classes} "
                             f"needs {'[x_t, t, label]' if self.n_classes else '[x_t, t]'}")
        self.data_shape = tuple(network.inputs[0].shape[1:])
        self.ema_network = keras.models.clone_model(network)
        self.ema_network.set_weights(network.get_weights())
        self.ema_network.trainable = False
        self.ema_steps = keras.Variable(0.0, trainable=False, name="ema_steps")
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.trackers = {"loss": keras.metrics.Mean(name="loss")}
        self._predict_fns = {}
        self.built = True      # both networks are built by their Input layers

    # ---- configuration
    def get_config(self):
        return {
            "network": keras.saving.serialize_keras_object(self.network),
            "objective": self.objective, "schedule": self.schedule, "n_classes": self.n_classes,
            "p_uncond": self.p_uncond, "ema": self.ema_decay, "time_sampling": self.time_sampling,
            "loss": self.loss_kind, "value_range": list(self.value_range) if self.value_range else None,
            "seed": self.seed, "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["network"] = keras.saving.deserialize_keras_object(config["network"])
        return cls(**config)

    def compile(self, optimizer=None, **kwargs):
        """Default optimizer: Adam(2e-3) with gradient clipping at norm 1; XLA off unless asked."""
        kwargs.setdefault("jit_compile", False)
        if optimizer is None:
            optimizer = keras.optimizers.Adam(2e-3, global_clipnorm=1.0)
        super().compile(optimizer=optimizer, **kwargs)

    def get_compile_config(self):      # the optimizer is rebuilt by compile(); nothing to save
        return None

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, inputs, training=False):
        """The (trained, not averaged) network's output for ``[x_t, t]`` or ``[x_t, t, labels]``."""
        return self.network(inputs, training=training)

    # ---- data scaling
    def _to_model(self, x):
        if self.value_range is None:
            return x
        low, high = self.value_range
        return (x - low) * (2.0 / (high - low)) - 1.0

    def _from_model(self, x):
        if self.value_range is None:
            return x
        low, high = self.value_range
        return (x + 1.0) * ((high - low) / 2.0) + low

    # ---- training
    def _draw_times(self, batch):
        if self.time_sampling == "uniform":
            return keras.random.uniform((batch,), seed=self.seed_generator)
        return ops.sigmoid(keras.random.normal((batch,), seed=self.seed_generator))

    def train_step(self, data):
        import tensorflow as tf

        x, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(x, (tuple, list)):           # ((x, labels),) from a dataset
            x, labels = x
        if self.n_classes and labels is None:
            raise ValueError("a class-conditional model needs batches (x, labels)")
        x = self._to_model(ops.cast(x, "float32"))
        batch = ops.shape(x)[0]
        t = self._draw_times(batch)
        eps = keras.random.normal(ops.shape(x), seed=self.seed_generator)
        alpha, sigma = _alpha_sigma_tensor(t, self.schedule)
        shape = (-1,) + (1,) * (len(x.shape) - 1)
        alpha, sigma = ops.reshape(alpha, shape), ops.reshape(sigma, shape)
        x_t = alpha * x + sigma * eps
        target = {"eps": eps, "x0": x, "v": alpha * eps - sigma * x, "velocity": eps - x}[self.objective]
        inputs = [x_t, t]
        if self.n_classes:
            drop = keras.random.uniform((batch,), seed=self.seed_generator) < self.p_uncond
            inputs.append(ops.where(drop, self.n_classes, ops.cast(labels, "int32")))
        with tf.GradientTape() as tape:
            error = ops.cast(self.network(inputs, training=True), "float32") - target
            loss = ops.mean(ops.square(error)) if self.loss_kind == "mse" else ops.mean(ops.abs(error))
        variables = self.network.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        self.ema_steps.assign_add(1.0)
        decay = ops.minimum(self.ema_decay, (1.0 + self.ema_steps) / (10.0 + self.ema_steps))
        for w, e in zip(self.network.weights, self.ema_network.weights):
            e.assign(decay * e + (1.0 - decay) * w)
        self.trackers["loss"].update_state(loss)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    # ---- prediction and sampling
    def _predict_fn(self, use_ema):
        import tensorflow as tf

        key = bool(use_ema)
        if key not in self._predict_fns:
            net = self.ema_network if use_ema else self.network
            signature = [tf.TensorSpec((None,) + self.data_shape, "float32"), tf.TensorSpec((None,), "float32")]
            if self.n_classes:
                signature.append(tf.TensorSpec((None,), "int32"))
            self._predict_fns[key] = tf.function(lambda *a: net(list(a), training=False),
                                                 input_signature=signature)
        return self._predict_fns[key]

    def check_labels(self, labels, n, name="labels"):
        """``labels`` as int32 of shape (n,) with every value in ``0 .. n_classes - 1``.

        Raises
        ------
        ValueError
            If the model is not class-conditional, or ``labels`` is not ``n`` integers (NaN,
            infinite, complex, float, empty or wrong shape) in ``0 .. n_classes - 1``.
        """
        if not self.n_classes:
            raise ValueError(f"{name} are only for a class-conditional model (n_classes > 0)")
        arr = np.asarray(labels)
        if arr.ndim == 0:
            arr = np.full(n, arr)
        if arr.shape != (n,) or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"{name} must be {n} integers (one per sample); got {np.asarray(labels).dtype} "
                             f"array of shape {np.shape(labels)}")
        if arr.min() < 0 or arr.max() >= self.n_classes:
            raise ValueError(f"{name} must lie in 0..{self.n_classes - 1}; got values from "
                             f"{arr.min()} to {arr.max()}")
        return arr.astype(np.int32)

    def denoiser(self, labels=None, guidance=1.0, use_ema=True, batch_size=500, guidance_interval=None):
        """A function ``(x_t, t) -> (x0_hat, eps_hat)`` (model units) for :func:`sample_loop`.

        With ``labels`` and ``guidance`` w: the prediction is
        ``unconditional + w (conditional - unconditional)`` (one network call on the stacked batch);
        with ``guidance_interval=(low, high)`` only at times ``low <= t <= high``, and the plain
        conditional prediction (one call) elsewhere (Kynkäänniemi et al. 2024).
        """
        guidance = checks.real(guidance, "guidance")
        if guidance_interval is not None:
            low, high = (checks.real(v, "guidance_interval", 0.0, 1.0) for v in guidance_interval)
            if low > high:
                raise ValueError(f"guidance_interval must be (low, high) with low <= high; got {guidance_interval}")
        predict = self._predict_fn(use_ema)

        def run(x, t):
            x32 = np.asarray(x, dtype=np.float32)
            n = len(x32)
            tt = np.full(n, t, np.float32)
            w = guidance
            if guidance_interval is not None and not low <= t <= high:
                w = 1.0
            outs = []
            for i in range(0, n, batch_size):
                xb, tb = x32[i:i + batch_size], tt[i:i + batch_size]
                if not self.n_classes:
                    outs.append(predict(xb, tb).numpy())
                    continue
                none = np.full(len(xb), self.n_classes, np.int32)
                if labels is None:
                    outs.append(predict(xb, tb, none).numpy())
                elif w == 1.0:
                    outs.append(predict(xb, tb, labels[i:i + batch_size]).numpy())
                else:
                    both = predict(np.concatenate([xb, xb]), np.concatenate([tb, tb]),
                                   np.concatenate([labels[i:i + batch_size], none])).numpy()
                    cond, uncond = both[:len(xb)], both[len(xb):]
                    outs.append(uncond + w * (cond - uncond))
            out = np.concatenate(outs).astype(np.float64)
            alpha, sigma = (float(v) for v in alpha_sigma(t, self.schedule))
            return _to_x0_eps(out, np.asarray(x, np.float64), alpha, sigma, self.objective)

        return run

    def generate(self, n=None, labels=None, steps=20, sampler=None, guidance=1.0, seed=0, noise=None,
                 use_ema=True, batch_size=500, clip=True, trajectory=False, guidance_interval=None):
        """Samples as a NumPy array (float32; digit images in [0, 1]).

        Parameters
        ----------
        n : int, optional
            Number of samples (or give ``noise`` or ``labels``).
        labels : int or array_like of int, optional
            Requested classes (class-conditional models); None: unconditional samples.
        steps : int
            Sampler steps (network evaluations per sample, twice that with guidance).
        sampler : {"ddpm", "ddim", "euler", "heun"}, optional
            Default ``"euler"`` for the flow, ``"ddim"`` otherwise.
        guidance : float
            Classifier-free guidance scale (needs ``labels``): 0 unconditional, 1 conditional,
            > 1 stronger class features, less diversity.
        seed : int
            Seeds the starting noise (and the DDPM sampler's fresh noise).
        noise : array_like, shape (n,) + data shape, optional
            The starting noise itself (then ``seed`` only seeds DDPM's extra noise).
        use_ema : bool
            Sample with the averaged weights (default) or the trained ones.
        clip : bool
            Clip samples to ``value_range`` (images); the sampler also clips its estimate of
            the clean image to [-1, 1] at every step. False returns the raw values.
        trajectory : bool
            Also return the path (steps + 1, n, ...) in data units.
        guidance_interval : (low, high), optional
            Guide only at times in this interval (plain conditional prediction elsewhere, one
            network call instead of two).

        Raises
        ------
        TypeError
            If ``noise`` is complex or not numeric.
        ValueError
            If ``noise`` is empty, not of shape (n,) + data shape, or holds NaN or infinite values;
            bad counts, names or labels.

        Examples
        --------
        >>> model = Diffusion(build_unet(channels=(8, 16), n_classes=10), n_classes=10)
        >>> model.generate(labels=[3, 7], steps=2, guidance=2.0).shape
        (2, 28, 28, 1)
        """
        steps = checks.integer(steps, "steps")
        if sampler is None:
            sampler = "euler" if self.schedule == "flow" else "ddim"
        checks.choice(sampler, "sampler", SAMPLERS)
        guidance = checks.real(guidance, "guidance")
        seed = checks.integer(seed, "seed", minimum=0)
        batch_size = checks.integer(batch_size, "batch_size")
        if noise is None:
            if n is None:
                if labels is None or np.ndim(labels) == 0:
                    raise ValueError("give n (the number of samples), noise, or one label per sample")
                n = len(labels)
            n = checks.integer(n, "n")
            noise = np.random.default_rng(seed).standard_normal((n,) + self.data_shape)
        noise = checks.real_array(noise, "noise")
        if noise.shape[1:] != self.data_shape or len(noise) == 0 or not np.isfinite(noise).all():
            raise ValueError(f"noise must be finite with shape (n,) + {self.data_shape}; got {noise.shape}")
        if n is not None and len(noise) != n:
            raise ValueError(f"noise holds {len(noise)} samples but n={n}")
        n = len(noise)
        if labels is not None:
            labels = self.check_labels(labels, n)
        elif guidance != 1.0:
            raise ValueError("guidance needs labels (the classes to guide towards)")
        clip_x0 = (-1.0, 1.0) if (clip and self.value_range is not None) else None
        result = sample_loop(self.denoiser(labels, guidance, use_ema, batch_size, guidance_interval), noise, steps, sampler,
                             self.schedule, seed=seed + 1, clip_x0=clip_x0, trajectory=trajectory)
        x, path = result if trajectory else (result, None)
        x = self._from_model(x)
        if clip and self.value_range is not None:
            x = np.clip(x, *self.value_range)
        x = x.astype(np.float32)
        if trajectory:
            return x, self._from_model(path).astype(np.float32)
        return x


# --------------------------------------------------------------------------- the course's digit model


def make_digit_diffusion(n_classes=10, channels=(32, 64), learning_rate=2e-3, decay_steps=None, clipnorm=1.0,
                         p_uncond=0.1, ema=0.999, seed=0, compile=True):
    """The course's flow-matching model for 28x28 digits (the recipe of notebook 06), compiled.

    A :func:`build_unet` (``channels`` at 14x14 and 7x7 after folding) trained on the velocity
    ``eps - x0`` of the flow path with logit-normal times, class-conditional with a "no class"
    token in ``p_uncond`` of the steps, Adam with gradient clipping and an EMA of the weights.

    Parameters
    ----------
    n_classes : int
        10 for digits (0: an unconditional model).
    learning_rate : float
        Adam's learning rate (constant, or the start of a cosine decay).
    decay_steps : int, optional
        Decay the learning rate along a cosine to a tenth of its value over this many steps.
    clipnorm : float or None
        Clip the gradients' global norm to this value (None: no clipping).
    seed : int
        Seeds the initial weights and the model's random generator (not the global seeds).

    Examples
    --------
    >>> model = make_digit_diffusion(channels=(8, 16))
    >>> model.generate(labels=[3], steps=2).shape
    (1, 28, 28, 1)
    """
    network = build_unet(channels=channels, n_classes=n_classes, seed=seed)
    model = Diffusion(network, objective="velocity", n_classes=n_classes, p_uncond=p_uncond, ema=ema,
                      time_sampling="logit_normal", seed=seed, name="digit_diffusion")
    if compile:
        rate = checks.real(learning_rate, "learning_rate", 0.0)
        if decay_steps is not None:
            rate = keras.optimizers.schedules.CosineDecay(rate, checks.integer(decay_steps, "decay_steps"), alpha=0.1)
        if clipnorm is not None:
            clipnorm = checks.real(clipnorm, "clipnorm", 0.0)
        model.compile(keras.optimizers.Adam(rate, global_clipnorm=clipnorm))
    return model


def load_digit_diffusion(path):
    """A saved U-Net (the EMA weights of a trained model) wrapped in the course recipe's :class:`Diffusion`.

    The shipped file holds the network only (half the size of the whole model); the rest of the
    recipe (flow objective, digits in [0, 1]) is :func:`make_digit_diffusion`'s. Loaded with
    ``safe_mode=True``.
    """
    network = load_model(path, compile=False)
    n_classes = network.get_layer("class_embedding").input_dim - 1 if len(network.inputs) == 3 else 0
    return Diffusion(network, objective="velocity", n_classes=n_classes, name="digit_diffusion")


def train_digit_diffusion(images, labels, steps, batch_size=64, channels=(32, 64), learning_rate=2e-3,
                          p_uncond=0.1, ema=0.999, seed=0, checkpoint_dir=None, max_steps=None, callbacks=(),
                          progress=True):
    """Train :func:`make_digit_diffusion` for ``steps`` steps (cosine learning-rate decay over them).

    The recipe of ``scripts/train_diffusion.py`` (the shipped model) and of notebook 06's
    ``RETRAIN`` switch: :func:`helpers.training.fit_resumable` over ``image_batches(images,
    batch_size, labels)``, checkpointing every 100 steps in ``checkpoint_dir`` (resumed when it
    exists); ``max_steps`` stops at that global step (run again to continue).

    Returns
    -------
    model, history

    Raises
    ------
    ValueError
        If ``images`` is empty, not 28 x 28 digits, or holds NaN, infinite or out-of-range
        values (checked before any training); bad counts.
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).
    """
    batches = image_batches(images, batch_size, labels=labels)
    steps = checks.integer(steps, "steps")
    epochs = -(-steps // (len(np.asarray(images)) // batch_size))
    model = make_digit_diffusion(n_classes=10 if labels is not None else 0, channels=channels,
                                 learning_rate=learning_rate, decay_steps=steps, p_uncond=p_uncond, ema=ema,
                                 seed=seed)
    stop = steps if max_steps is None else min(checks.integer(max_steps, "max_steps"), steps)
    history = fit_resumable(model, batches, epochs, checkpoint_dir=checkpoint_dir, checkpoint_every=100,
                            callbacks=callbacks, seed=seed, max_steps=stop, progress=progress)
    return model, history


def sampling_sweeps(model, real, euler_steps=(1, 2, 5, 10, 20, 50, 100), heun_steps=(2, 5),
                    guidance=(0.0, 1.0, 1.5, 2.0, 3.0), guided_steps=20, n=1000, seed=1, progress=None):
    """Quality and time against sampler steps and guidance scale (notebook 06, sections 4 and 5).

    For every count in ``euler_steps`` and ``heun_steps``: ``n`` unconditional samples from the
    same starting noise, their course FID against ``real`` and the seconds per 1,000 samples.
    For every scale in ``guidance``: ``n`` samples of the classes ``0, 1, ..., 9, 0, ...`` with
    ``guided_steps`` Euler steps, their FID and the share that
    :func:`helpers.digit_metrics.classify` reads as the requested class.

    Parameters
    ----------
    model : Diffusion
        Class-conditional (``n_classes=10``).
    real : array_like of float in [0, 1], shape (M, 28, 28[, 1])
        The reference digits (the course uses the 1,000 test digits).
    progress : callable, optional
        Called with one line of text per measured setting (``print`` to follow along).

    Returns
    -------
    dict of ndarray
        ``euler_steps``, ``euler_fid``, ``euler_seconds``, ``heun_steps``, ``heun_calls``,
        ``heun_fid``, ``heun_seconds``, ``guidance``, ``guidance_fid``, ``guidance_share``
        (seconds per 1,000 samples; ``heun_calls = 2 steps - 1`` network calls per sample).

    Raises
    ------
    ValueError
        If ``model`` is not class-conditional with 10 classes, or ``real`` has fewer than
        128 images, is not 28 x 28 digits, or holds NaN, infinite or out-of-range values
        (checked before any sampling).
    TypeError
        If ``real`` has a dtype other than float, uint8 or bool (complex included).
    """
    import time

    from .. import digit_metrics
    from ..data import check_digit_images

    if model.n_classes != 10:
        raise ValueError(f"model must be class-conditional with 10 classes; it has n_classes={model.n_classes}")
    real_features = digit_metrics.features(check_digit_images(real, "real", digit_metrics.MIN_FID_SAMPLES))
    n = checks.integer(n, "n", minimum=digit_metrics.MIN_FID_SAMPLES)
    report = progress if progress is not None else (lambda line: None)

    def fid(samples):
        return digit_metrics.fid(real_features, samples)

    model.generate(labels=[0, 1], guidance=2.0, steps=1)            # trace the network once: not timed
    out = {}
    for sampler, counts in (("euler", euler_steps), ("heun", heun_steps)):
        fids, seconds = [], []
        for steps in counts:
            start = time.perf_counter()
            samples = model.generate(n=n, steps=steps, sampler=sampler, seed=seed)
            seconds.append((time.perf_counter() - start) * 1000 / n)
            fids.append(fid(samples))
            report(f"{sampler} {steps:3d} steps: FID {fids[-1]:6.1f}, {seconds[-1]:5.1f} s per 1,000 samples")
        out[f"{sampler}_steps"] = np.asarray(counts, np.int64)
        out[f"{sampler}_fid"] = np.asarray(fids)
        out[f"{sampler}_seconds"] = np.asarray(seconds)
    out["heun_calls"] = 2 * out["heun_steps"] - 1
    labels = np.arange(n) % 10
    fids, shares = [], []
    for w in guidance:
        samples = model.generate(labels=labels, guidance=w, steps=guided_steps, seed=seed)
        fids.append(fid(samples))
        shares.append(float(np.mean(digit_metrics.classify(samples) == labels)))
        report(f"guidance {w:4.2f}: FID {fids[-1]:6.1f}, {shares[-1]:.1%} classified as requested")
    out["guidance"] = np.asarray(guidance, np.float64)
    out["guidance_fid"] = np.asarray(fids)
    out["guidance_share"] = np.asarray(shares)
    return out



#: The arrays of ``data/diffusion_sweeps.npz`` (``scripts/data/diffusion_sweeps.py``).
SWEEP_KEYS = ("euler_steps", "euler_fid", "euler_seconds", "heun_steps", "heun_calls", "heun_fid", "heun_seconds",
              "guidance", "guidance_fid", "guidance_share", "step_pictures_steps", "step_pictures",
              "guide_pictures_guidance", "guide_pictures")


def slider_pictures(model, steps=(1, 2, 3, 5, 10, 20, 50, 100), guidance=(0.0, 1.0, 1.5, 2.0, 3.0, 4.0)):
    """The pictures notebook 06's two sliders re-show (float32 in [0, 1]).

    Returns
    -------
    dict
        ``step_pictures_steps`` and ``step_pictures`` of shape (len(steps), 20, 28, 28): for each
        step count, 10 unconditional samples, then 10 conditional ones (classes 0-9), from the
        same 10 starting noises (seed 11); ``guide_pictures_guidance`` and ``guide_pictures`` of
        shape (10, len(guidance), 8, 28, 28): for each class and guidance scale, 8 samples of 20
        Euler steps from the same 8 starting noises (seed 5).
    """
    noise = np.random.default_rng(11).standard_normal((10,) + model.data_shape)
    by_steps = np.stack([np.concatenate([model.generate(noise=noise, steps=k),
                                         model.generate(noise=noise, labels=np.arange(10), steps=k)])[..., 0]
                         for k in steps])
    noise = np.random.default_rng(5).standard_normal((8,) + model.data_shape)
    by_guidance = np.zeros((10, 0, 8) + model.data_shape[:2], np.float32)   # no guidance scales asked for
    if len(guidance):
        by_guidance = np.stack([np.stack([model.generate(noise=noise, labels=np.full(8, c), guidance=w,
                                                         steps=20)[..., 0] for w in guidance]) for c in range(10)])
    return {"step_pictures_steps": np.asarray(steps, np.int64), "step_pictures": by_steps,
            "guide_pictures_guidance": np.asarray(guidance, np.float64), "guide_pictures": by_guidance}


def load_sweeps(path=None):
    """The arrays of ``data/diffusion_sweeps.npz`` (checksum verified), pictures as float32 in [0, 1].

    The file stores the pictures as uint8 (0-255) to stay small; they come back as floats.
    """
    from .. import data

    arrays = data.load_npz(data.embedded_path("diffusion_sweeps.npz") if path is None else path, SWEEP_KEYS)
    for key in ("step_pictures", "guide_pictures"):
        arrays[key] = data.to_float(arrays[key])
    return arrays
