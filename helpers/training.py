"""Training any Keras model with a custom ``train_step``: data, progress, live samples, resume.

This module imports TensorFlow/Keras (it trains networks); every model in
:mod:`helpers.models` is trained with it. The pieces:

- :func:`fit_resumable` -- the course's one training loop, for any compiled ``keras.Model``
  (its own ``train_step`` or Keras's), that checkpoints every ``checkpoint_every`` steps
  and, when started again with the same ``checkpoint_dir``, resumes *exactly* where it stopped.
- :func:`image_batches`, :func:`array_batches` -- the ``dataset_fn(epoch, rng)`` it takes, for
  digit images (optionally with labels) and for toy samples.
- Callbacks (``keras.callbacks.Callback`` subclasses, so they also work with
  ``model.fit``): :class:`ProgressBar` (tqdm), :class:`LiveSamples` (one image grid
  updated in place in a notebook), :class:`LossHistory` (per-step logs, plotted by
  :func:`helpers.plotting.plot_history`), :class:`PeriodicEval` (e.g. FID every N steps).
- :class:`SeededInitializers` -- how a model factory uses its ``seed`` without resetting the
  global one.
- :func:`save_model` / :func:`load_model`: ``.keras`` files loaded with ``safe_mode=True``
  (register your classes with ``keras.saving.register_keras_serializable``).

Recipe for exact resume
-----------------------
A checkpoint (``checkpoint_dir/checkpoint.npz``, written atomically) holds the values of
``model.variables`` (weights *and* the state of every ``keras.random.SeedGenerator``
tracked by the model), every optimizer's variables
(moments and iteration counter), the step and epoch counters, the NumPy generator's state at
the start of the current epoch, and the history. For a resumed run to equal an
uninterrupted one, the model must

1. draw its randomness only from a ``keras.random.SeedGenerator`` attribute
   (``keras.random.normal(shape, seed=self.seed_generator)``), never from the global one;
2. list its optimizers: either the usual ``model.compile(optimizer=...)``, or a method
   ``optimizer_variables()`` returning ``[(optimizer, variables_it_updates), ...]`` (a GAN
   has two optimizers);
3. get its data from ``dataset_fn(epoch, rng)``, which must use only ``rng`` (a
   ``numpy.random.Generator`` owned by the loop) for shuffling; the loop replays the
   epoch's order from the saved generator state and skips the batches already done.

Reproducibility
---------------
What repeats bit for bit: a run whose randomness is all seeded (the model's ``seed``, the
``seed`` of :func:`fit_resumable` for the data order), on one machine with one number of CPU
threads, gives the same weights every time, whatever the global seeds
(``tests/test_training.py``), and a resumed run equals an uninterrupted one.

What does not: the same run with another number of TensorFlow intra-op threads, or on a processor
with other vector instructions (AVX2, AVX-512, AMX). TensorFlow's CPU kernels split a sum into
blocks whose number depends on both, float32 addition rounds differently in another order, and
training amplifies these last-bit differences. Notebook 05's 2-D VAE (30 epochs, every seed fixed),
trained in a fresh process per thread count by ``scripts/data/vae_threads.py``
(``data/vae_threads.json``; 2026-12-02, a 2-core Intel Xeon with AVX-512 and AMX, TensorFlow
2.21.0): test -ELBO 165.57, 165.90, 165.94, 166.52 and 166.63 nats with 1, 2, 3, 4 and 8 threads,
five different sets of weights, 42.6-45.3 % of reconstructions keeping their class; a second
1-thread run gave identical weights, the default (one thread per core) equals the 2-thread run,
``tf.config.experimental.enable_op_determinism()`` changed nothing, and ``TF_ENABLE_ONEDNN_OPTS=0``
gave yet other weights (167.33 with 2 threads). The notebook's stored output read 165.90 (the
2-thread figure) in its runs of 2026-12-01 and 166.21 in one run of 2026-12-02, which none of the
thread counts above gives. To compare two runs exactly, run them on one machine with
``TF_NUM_INTRAOP_THREADS`` set before TensorFlow is imported.

Examples
--------
>>> import keras, numpy as np
>>> keras.utils.set_random_seed(0)
>>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> x = np.ones((8, 2), "float32"); y = np.zeros((8, 1), "float32")
>>> def batches(epoch, rng):
...     order = rng.permutation(8)
...     return [(x[order[i:i + 4]], y[order[i:i + 4]]) for i in (0, 4)]
>>> history = fit_resumable(model, batches, epochs=3, progress=False)
>>> len(history["loss"]), history["step"][-1]
(6, 6)
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import numpy as np

import keras

from . import checks
from .data import check_digit_images
from .plotting import mosaic

CHECKPOINT_NAME = "checkpoint.npz"


# --------------------------------------------------------------------------- state


def _optimizer_pairs(model):
    """[(optimizer, variables)] of a model: its own list, or the compiled optimizer."""
    if hasattr(model, "optimizer_variables"):
        return list(model.optimizer_variables())
    if getattr(model, "optimizer", None) is None:
        raise ValueError("model has no optimizer: compile it, or give it a method "
                         "optimizer_variables() returning [(optimizer, variables), ...]")
    return [(model.optimizer, model.trainable_variables)]


def _build_optimizers(model):
    for optimizer, variables in _optimizer_pairs(model):
        if not optimizer.built:
            optimizer.build(variables)


def _state_variables(model):
    """Every variable whose value a checkpoint must hold, with a stable name."""
    _build_optimizers(model)
    named = [(f"model/{i}", v) for i, v in enumerate(model.variables)]
    for k, (optimizer, _) in enumerate(_optimizer_pairs(model)):
        named += [(f"optimizer{k}/{i}", v) for i, v in enumerate(optimizer.variables)]
    return named


def save_checkpoint(model, path, meta):
    """Write the model's full training state and ``meta`` (JSON-able) atomically to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {name: np.asarray(keras.ops.convert_to_numpy(v)) for name, v in _state_variables(model)}
    arrays["meta"] = np.array(json.dumps(meta))
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)


def load_checkpoint(model, path):
    """Restore a state written by :func:`save_checkpoint` into ``model``; return its ``meta``.

    The model must be built (call it once on a batch) and compiled the same way.
    """
    named = _state_variables(model)
    with np.load(path, allow_pickle=False) as archive:
        expected = {name for name, _ in named} | {"meta"}
        if set(archive.files) != expected:
            raise ValueError(f"checkpoint {path} does not match this model: it holds "
                             f"{len(archive.files) - 1} variables, the model has {len(named)} "
                             "(another architecture, or the model is not built yet)")
        for name, var in named:
            value = archive[name]
            if tuple(value.shape) != tuple(var.shape):
                raise ValueError(f"checkpoint {path}: {name} ({var.path}) has shape "
                                 f"{value.shape}, the model expects {tuple(var.shape)}")
            var.assign(value)
        return json.loads(str(archive["meta"]))


# --------------------------------------------------------------------------- loop


def _model_is_built(model):
    return len(model.variables) > 0


def _create_step_variables(model, batch):
    """Create the variables that a model's first training step would otherwise create.

    Keras creates the optimizer's variables (Adam's moments...) and those of compiled metrics
    lazily, inside the first call of the ``tf.function`` that runs a training step, and
    TensorFlow traces a function whose first trace created variables a second time (0.1 s for
    each of notebook 03's small dense networks, more for bigger ones). Created here beforehand,
    with the same initial values (zeros), the step is traced once and trains bit for bit as
    before. Models whose layers are not all built yet are left as they are. A model with a
    ``train_step`` of its own gets its optimizers built; metrics given to ``compile`` would still
    be created in the first trace (the course's models keep theirs in trackers made in ``__init__``).
    """
    if not all(layer.built for layer in model._flatten_layers(include_self=False)):
        return
    if type(model).train_step is keras.Model.train_step:
        # Keras's own step (compile(loss=..., metrics=...)): build what Keras builds before the
        # first step when it runs under a distribution strategy -- compiled metrics and loss, optimizer.
        x, y, sample_weight = (*_split(batch), None, None)[:3]
        model._symbolic_build(data_batch=(x, y, sample_weight))
    else:
        _build_optimizers(model)    # a train_step of its own: its optimizers; its trackers exist already


def fit_resumable(model, dataset_fn, epochs, checkpoint_dir=None, checkpoint_every=None,
                  callbacks=(), seed=0, max_steps=None, progress=True):
    """Train ``model`` for ``epochs`` epochs, checkpointing and resuming exactly.

    Parameters
    ----------
    model : keras.Model
        Compiled (its ``train_step`` receives each batch, as in ``model.fit``). See the module
        docstring for what exact resume needs.
    dataset_fn : callable ``(epoch, rng) -> iterable of batches``
        Gives the batches of epoch ``epoch`` (0-based); shuffle with ``rng`` only.
    epochs : int
        Total number of epochs (a resumed run continues up to this number).
    checkpoint_dir : path, optional
        Where ``checkpoint.npz`` lives. If it exists the run resumes from it (an error if it went
        beyond ``epochs``). Key the folder by the run's settings: :func:`helpers.config.checkpoint_dir`.
    checkpoint_every : int, optional
        Save every this many steps (and always at the end). Default: at each epoch's end.
    callbacks : sequence of keras.callbacks.Callback
        Called with ``on_train_begin``, ``on_epoch_begin``, ``on_train_batch_end(step, logs)``
        (``step`` is the global step, counted from 1), ``on_epoch_end``, ``on_train_end``.
    seed : int
        Seeds the loop's NumPy generator (data order) for a fresh run.
    max_steps : int, optional
        Stop after this global step (a checkpoint is written): simulates an interruption,
        or splits a long run into parts.
    progress : bool
        Show a :class:`ProgressBar` (added unless one is in ``callbacks``).

    Returns
    -------
    dict
        History: ``"step"``, ``"epoch"`` and one list per logged metric, one entry per step
        (including the steps of earlier, resumed parts). ``train_on_batch`` resets the
        metrics before each batch, so every entry is that batch's value, not a running mean.
    """
    checks.integer(epochs, "epochs")
    checks.integer(seed, "seed", minimum=0)
    if checkpoint_every is not None:
        checks.integer(checkpoint_every, "checkpoint_every")
    if max_steps is not None:
        checks.integer(max_steps, "max_steps", minimum=0)
    if not callable(dataset_fn):
        raise TypeError("dataset_fn must be a callable (epoch, rng) -> iterable of batches")
    if not getattr(model, "compiled", False):
        raise ValueError("compile the model before training it (model.compile(...); a model "
                         "with its own optimizers can call compile() without arguments)")

    callbacks = list(callbacks)
    if progress and not any(isinstance(c, ProgressBar) for c in callbacks):
        callbacks.insert(0, ProgressBar())
    history = {"step": [], "epoch": []}
    rng = np.random.default_rng(seed)
    step, epoch, skip = 0, 0, 0
    path = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
    resume = path is not None and path.is_file()

    def first_batch():
        for batch in dataset_fn(0, np.random.default_rng(seed)):
            return batch
        raise ValueError("dataset_fn(0, rng) gave no batches")

    if resume:
        # Create the layers' variables before assigning (optimizers are built on load).
        batch = _split(first_batch())
        if not _model_is_built(model):
            model(batch[0])

        meta = load_checkpoint(model, path)
        if meta["epoch"] > epochs:
            raise ValueError(f"checkpoint {path} has trained {meta['epoch']} epochs, more than epochs={epochs}: "
                             "its model is not a run of these settings (a checkpoint folder per setting: "
                             "helpers.config.checkpoint_dir)")
        step, epoch, skip = meta["step"], meta["epoch"], meta["step_in_epoch"]
        rng.bit_generator.state = meta["rng_state"]
        history = meta["history"]

    def checkpoint(step_in_epoch, epoch_rng_state):
        if path is not None:
            save_checkpoint(model, path, {"step": step, "epoch": epoch, "step_in_epoch": step_in_epoch,
                                          "rng_state": epoch_rng_state, "history": history})

    for cb in callbacks:
        cb.set_model(model)
        if isinstance(cb, _Resumable):
            cb.resume_from(step, epoch, epochs, history)
        cb.on_train_begin()
    stopped = False
    prepared = False
    while epoch < epochs and not stopped:
        epoch_rng_state = rng.bit_generator.state      # replayed on resume
        batches = dataset_fn(epoch, rng)
        for cb in callbacks:
            cb.on_epoch_begin(epoch)
        done_in_epoch = 0
        logs = {}
        for batch in batches:
            if done_in_epoch < skip:
                done_in_epoch += 1
                continue
            if not prepared:                # before the first step: traced once, not twice
                _create_step_variables(model, batch)
                prepared = True
            logs = model.train_on_batch(*_split(batch), return_dict=True)
            logs = {k: float(v) for k, v in logs.items()}
            step += 1
            done_in_epoch += 1
            history["step"].append(step)
            history["epoch"].append(epoch)
            for key, value in logs.items():
                history.setdefault(key, []).append(value)
            for cb in callbacks:
                cb.on_train_batch_end(step, logs)
            if max_steps is not None and step >= max_steps:
                stopped = True
                break
            if checkpoint_every and step % checkpoint_every == 0:
                checkpoint(done_in_epoch, epoch_rng_state)
        if done_in_epoch == 0 and not stopped:
            raise ValueError(f"dataset_fn({epoch}, rng) gave no batches")
        if stopped:
            checkpoint(done_in_epoch, epoch_rng_state)
            break
        skip = 0
        for cb in callbacks:
            cb.on_epoch_end(epoch, logs)
        epoch += 1
        checkpoint(0, rng.bit_generator.state)
    for cb in callbacks:
        cb.on_train_end()
    return history


def epoch_means(history):
    """Per-epoch means of a per-step history from :func:`fit_resumable` (what ``model.fit`` reports).

    Examples
    --------
    >>> epoch_means({"step": [1, 2, 3], "epoch": [0, 0, 1], "loss": [4.0, 2.0, 1.0]})
    {'epoch': [0, 1], 'loss': [3.0, 1.0]}
    """
    epochs = np.asarray(history["epoch"])
    done = sorted(set(epochs.tolist()))
    out = {"epoch": done}
    for key, values in history.items():
        if key not in ("step", "epoch"):
            values = np.asarray(values, dtype=float)
            out[key] = [float(values[epochs == e].mean()) for e in done]
    return out


def _split(batch):
    """A batch as positional arguments of ``train_on_batch``: x, or (x, y), or (x, y, w)."""
    if isinstance(batch, (tuple, list)):
        return tuple(batch)
    return (batch,)


def compare_learning_rates(make_model, dataset_fn, learning_rates, epochs=1, max_steps=None, seed=0,
                           key="loss"):
    """Train one fresh model per learning rate on the same batches; return each run's loss per step.

    Parameters
    ----------
    make_model : callable ``learning_rate -> keras.Model``
        Returns a *compiled* model whose optimizer uses that learning rate. Build it from a
        fixed seed (``keras.initializers.GlorotUniform(seed=...)`` or
        ``keras.utils.set_random_seed``) so that every run starts from the same weights and
        only the learning rate differs.
    dataset_fn : callable ``(epoch, rng) -> iterable of batches``
        As for :func:`fit_resumable`; every run gets the same batches (same ``seed``).
    learning_rates : sequence of float
        Positive, distinct.
    epochs : int
    max_steps : int, optional
        Stop every run after this many steps (quick mode shortens runs this way).
    seed : int
        Seeds the data order, the same for every run.
    key : str
        Which logged metric to keep.

    Returns
    -------
    dict of float -> ndarray
        For each learning rate, the logged ``key`` at every step. A run that diverges keeps
        its inf/NaN values: they are part of the result, not an error.

    Examples
    --------
    >>> import keras, numpy as np
    >>> x = np.linspace(-1, 1, 64, dtype="float32")[:, None]; y = 3 * x
    >>> def make_model(lr):
    ...     model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    ...     model.compile(optimizer=keras.optimizers.SGD(lr), loss="mse")
    ...     return model
    >>> def batches(epoch, rng):
    ...     order = rng.permutation(64)
    ...     return [(x[order[i:i + 16]], y[order[i:i + 16]]) for i in range(0, 64, 16)]
    >>> losses = compare_learning_rates(make_model, batches, [0.01, 0.3], epochs=3)
    >>> bool(losses[0.3][-1] < losses[0.01][-1])          # the larger step gets further
    True
    """
    if not callable(make_model):
        raise TypeError("make_model must be a callable learning_rate -> compiled keras.Model")
    rates = [float(r) for r in learning_rates]
    if not rates:
        raise ValueError("learning_rates is empty")
    if any(not (np.isfinite(r) and r > 0) for r in rates) or len(set(rates)) != len(rates):
        raise ValueError(f"learning_rates must be distinct positive numbers; got {rates}")
    results = {}
    for rate in rates:
        model = make_model(rate)
        if not isinstance(model, keras.Model):
            raise TypeError(f"make_model({rate}) must return a keras.Model; got {type(model).__name__}")
        history = fit_resumable(model, dataset_fn, epochs, seed=seed, max_steps=max_steps, progress=False)
        if key not in history:
            raise ValueError(f"the runs log {sorted(k for k in history if k not in ('step', 'epoch'))}, "
                             f"not {key!r}")
        results[rate] = np.asarray(history[key], dtype=float)
    return results
# --------------------------------------------------------------------------- data


def image_batches(images, batch_size=64, labels=None, drop_remainder=True):
    """A ``dataset_fn(epoch, rng)`` that shuffles digit images with ``rng`` each epoch.

    Parameters
    ----------
    images : array_like of float in [0, 1], shape (N, 28, 28) or (N, 28, 28, 1)
        Validated once here (:func:`helpers.data.check_digit_images`); batches have shape
        (batch, 28, 28, 1).
    batch_size : int
    labels : array_like of int, shape (N,), optional
        Batches become ``(images, labels)`` (a conditional GAN, a classifier).
    drop_remainder : bool
        Drop the last incomplete batch (every step then sees ``batch_size`` images).

    Raises
    ------
    ValueError
        If ``images`` is empty, not 28 x 28 digits, holds NaN, infinite or out-of-range values,
        or ``labels`` does not have one entry per image.
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> fn = image_batches(np.zeros((130, 28, 28), "float32"), batch_size=64)
    >>> [b.shape for b in fn(0, np.random.default_rng(0))]
    [(64, 28, 28, 1), (64, 28, 28, 1)]
    """
    x = check_digit_images(images, "images", 1)[..., None]
    batch_size = _batch_size(batch_size, len(x))
    y = None
    if labels is not None:
        y = np.asarray(labels).astype("int32")
        if y.shape != (len(x),):
            raise ValueError(f"labels must have shape ({len(x)},); got {y.shape}")
    stop = len(x) - len(x) % batch_size if checks.flag(drop_remainder, "drop_remainder") else len(x)

    def dataset_fn(epoch, rng):
        order = rng.permutation(len(x))
        for i in range(0, stop, batch_size):
            idx = np.sort(order[i:i + batch_size])
            yield (x[idx], y[idx]) if y is not None else x[idx]

    return dataset_fn


def array_batches(samples, batch_size=128):
    """A ``dataset_fn(epoch, rng)`` for toy data: float32 samples of shape (N, d) or (N,).

    Raises
    ------
    ValueError
        If ``samples`` is empty, not (N,) or (N, d), or holds NaN or infinite values.
    TypeError
        If ``samples`` is complex or not numeric.

    Examples
    --------
    >>> fn = array_batches(np.arange(10.0), batch_size=4)
    >>> [b.shape for b in fn(0, np.random.default_rng(0))]
    [(4, 1), (4, 1)]
    """
    s = checks.finite(samples, "samples", nonempty=True).astype("float32")
    if s.ndim == 1:
        s = s[:, None]
    if s.ndim != 2 or not np.isfinite(s).all():
        raise ValueError(f"samples must be finite, shape (N,) or (N, d); got {np.shape(samples)}")
    batch_size = _batch_size(batch_size, len(s))

    def dataset_fn(epoch, rng):
        order = rng.permutation(len(s))
        for i in range(0, len(s) - len(s) % batch_size, batch_size):
            yield s[order[i:i + batch_size]]

    return dataset_fn


def _batch_size(value, n):
    if checks.integer(value, "batch_size") > n:
        raise ValueError(f"batch_size must be an integer in 1..{n} (the number of samples); got {value!r}")
    return int(value)


# --------------------------------------------------------------------------- models


class SeededInitializers:
    """Kernel initializers drawn from a generator of their own: how a model factory uses its ``seed``.

    ``init = SeededInitializers(seed)``; every ``init()`` is a new ``GlorotUniform`` (Keras's
    default kernel initializer) with a seed drawn from ``random.Random(seed)``. Give one to
    every layer with random weights, in construction order, and share one ``init`` between
    the networks of a model. The global seeds (Python, NumPy, TensorFlow, Keras) are left
    alone, so building a model never changes what other code draws.

    Keras draws the seed of an unseeded layer's initializer the same way, from Python's
    global generator (``random.randint(1, 10**9)``): a network built with ``init()`` gets the
    weights it would get after ``keras.utils.set_random_seed(seed)`` without ``init()``.

    Examples
    --------
    >>> init = SeededInitializers(0)
    >>> a = keras.layers.Dense(3, kernel_initializer=init())
    >>> b = keras.layers.Dense(3, kernel_initializer=SeededInitializers(0)())
    >>> a.build((None, 2)); b.build((None, 2))
    >>> bool(np.array_equal(a.kernel.numpy(), b.kernel.numpy()))
    True
    """

    def __init__(self, seed=0):
        self.seed = checks.integer(seed, "seed", minimum=0)
        self._random = random.Random(self.seed)

    def __call__(self):
        return keras.initializers.GlorotUniform(seed=self._random.randint(1, int(1e9)))

    @classmethod
    def of(cls, seed):
        """``seed`` itself if it is already a :class:`SeededInitializers` (a shared stream), else a new one."""
        return seed if isinstance(seed, cls) else cls(seed)


# --------------------------------------------------------------------------- callbacks


class _Resumable(keras.callbacks.Callback):
    """A callback told where a resumed run starts."""

    start_step = 0
    start_epoch = 0
    total_epochs = None

    def resume_from(self, step, epoch, epochs, history):
        self.start_step, self.start_epoch, self.total_epochs = step, epoch, epochs


class ProgressBar(_Resumable):
    """A tqdm progress bar over steps, showing the latest logs (notebook or terminal).

    In a notebook the bar is a widget shown through one display handle, which is updated once
    more when training ends: the saved notebook's text fallback (what a viewer without the
    widget, e.g. GitHub, shows) then reads the bar's last state, such as
    ``epoch 45/45: 100%|##########| 2790/2790 [...]``, not its first (``0%|          | 0/2790``).

    Parameters
    ----------
    steps_per_epoch : int, optional
        If given (or learnt after the first epoch), the bar shows the total.
    keys : sequence of str, optional
        Which logs to show (default all).
    """

    def __init__(self, steps_per_epoch=None, keys=None):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.keys = keys
        self.bar = None
        self.handle = None

    def on_train_begin(self, logs=None):
        from tqdm.auto import tqdm

        total = None
        if self.steps_per_epoch and self.total_epochs:
            total = self.steps_per_epoch * self.total_epochs
        try:
            from tqdm.notebook import tqdm_notebook
        except ImportError:  # tqdm.notebook needs IPython
            tqdm_notebook = None
        widget = tqdm_notebook is not None and issubclass(tqdm, tqdm_notebook)
        self.bar = tqdm(total=total, initial=self.start_step, unit="step", dynamic_ncols=True,
                        **({"display": False} if widget else {}))
        if widget and getattr(self.bar, "container", None) is not None:
            from IPython.display import display

            self.handle = display(self.bar.container, display_id=True)

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is None:
            self.on_train_begin()
        logs = logs or {}
        shown = {k: f"{v:.3g}" for k, v in logs.items() if self.keys is None or k in self.keys}
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update(1)

    def on_epoch_begin(self, epoch, logs=None):
        if self.bar is None:
            self.on_train_begin()
        of = f"/{self.total_epochs}" if self.total_epochs else ""
        self.bar.set_description(f"epoch {epoch + 1}{of}", refresh=False)
        self._epoch_start = self.bar.n

    def on_epoch_end(self, epoch, logs=None):
        # Without steps_per_epoch, learn it from the first whole epoch and show the total.
        if self.bar is not None and self.bar.total is None and self.total_epochs:
            done = self.bar.n - getattr(self, "_epoch_start", self.bar.n)
            if done > 0 and (epoch > self.start_epoch or self.start_step == 0):
                self.bar.total = self.bar.n + done * (self.total_epochs - epoch - 1)
                self.bar.refresh()

    def on_train_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()
            if self.handle is not None:      # the stored text fallback: the bar's last state
                self.handle.update(self.bar.container)


class LossHistory(_Resumable):
    """Per-step logs kept in memory (``self.history``), continued across resumed parts."""

    def __init__(self):
        super().__init__()
        self.history = {"step": []}

    def resume_from(self, step, epoch, epochs, history):
        super().resume_from(step, epoch, epochs, history)
        self.history = {k: list(v) for k, v in history.items() if k != "epoch"} or {"step": []}

    def on_train_batch_end(self, batch, logs=None):
        self.history.setdefault("step", []).append(batch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))


class PeriodicEval(_Resumable):
    """Compute ``fn(model)`` every ``every`` steps and keep ``(step, value)`` pairs.

    Use it for FID over training: ``PeriodicEval(lambda m: fid(real, sample(m)), 200)``.

    Attributes
    ----------
    steps, values : list
    """

    def __init__(self, fn, every, name="eval", at_end=True):
        super().__init__()
        if not callable(fn):
            raise TypeError("fn must be a callable model -> float")
        checks.integer(every, "every")
        self.fn, self.every, self.name, self.at_end = fn, every, name, at_end
        self.steps, self.values = [], []
        self._last = None

    def _evaluate(self, step):
        self.steps.append(int(step))
        self.values.append(float(self.fn(self.model)))
        self._last = step

    def on_train_batch_end(self, batch, logs=None):
        self._step = batch
        if batch % self.every == 0:
            self._evaluate(batch)

    def on_train_end(self, logs=None):
        step = getattr(self, "_step", None)
        if self.at_end and step is not None and self._last != step:
            self._evaluate(step)


class LiveSamples(_Resumable):
    """An image grid redrawn in place (one figure, one display handle) while training.

    Parameters
    ----------
    sample_fn : callable ``model -> images``
        Returns float images in [0, 1], shape (n, H, W) or (n, H, W, 1); use fixed latent
        vectors so the grid shows the same samples improving.
    every : int
        Redraw every this many steps (and at the end).
    ncols : int
    title : str
    display : bool
        Show the figure with ``IPython.display`` (one handle, updated in place). False:
        only keep the figure (``self.fig``), e.g. in tests or scripts.
    """

    def __init__(self, sample_fn, every=100, ncols=8, title="samples", display=True, size=0.6):
        super().__init__()
        if not callable(sample_fn):
            raise TypeError("sample_fn must be a callable model -> images")
        checks.integer(every, "every")
        self.sample_fn, self.every, self.ncols, self.title = sample_fn, every, ncols, title
        self.display, self.size = display, size
        self.fig = self.image = self.handle = None
        self.redraws = 0
        self._step = 0

    def draw(self, step):
        import matplotlib.pyplot as plt

        images = np.asarray(self.sample_fn(self.model), dtype=np.float32)
        canvas = np.pad(mosaic(images, self.ncols), 1, constant_values=1.0)   # a white frame
        cols = min(self.ncols, len(images))
        rows = -(-len(images) // cols)
        if self.fig is None:
            was_interactive = plt.isinteractive()
            plt.ioff()
            self.fig = plt.figure(figsize=(self.size * cols, self.size * rows + 0.3))
            ax = self.fig.add_axes([0, 0, 1, 1 - 0.3 / (self.size * rows + 0.3)])
            ax.set_axis_off()
            self.image = ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            self.text = self.fig.suptitle("", fontsize=9, y=0.995)
            plt.close(self.fig)          # we show it ourselves: no duplicate at cell end
            if was_interactive:
                plt.ion()
        else:
            self.image.set_data(canvas)
        self.text.set_text(f"{self.title} after step {step}")
        self.redraws += 1
        if self.display:
            from IPython.display import display

            if self.handle is None:
                self.handle = display(self.fig, display_id=True)
            else:
                self.handle.update(self.fig)

    def on_train_batch_end(self, batch, logs=None):
        self._step = batch
        if batch % self.every == 0:
            self.draw(batch)

    def on_train_end(self, logs=None):
        if self.redraws == 0 or self._step % self.every != 0:
            self.draw(self._step)


# --------------------------------------------------------------------------- files


def save_model(model, path):
    """Save a model to a ``.keras`` file (architecture, weights, optimizer state).

    Its classes must be registered with ``keras.saving.register_keras_serializable`` and
    implement ``get_config`` so that :func:`load_model` can rebuild them safely.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"path must end in .keras; got {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return path


def load_model(path, compile=True):
    """Load a ``.keras`` file with ``safe_mode=True`` (no arbitrary code such as lambdas runs)."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"path must end in .keras; got {path.name!r}")
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    return keras.saving.load_model(path, compile=compile, safe_mode=True)


class Timer:
    """Wall-clock stopwatch for comparing training runs: ``with Timer() as t: ...; t.seconds``."""

    def __enter__(self):
        self._start = time.perf_counter()
        self.seconds = None
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        return False
