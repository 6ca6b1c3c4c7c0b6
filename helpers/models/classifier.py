"""The course's MNIST classifier in Keras: the network whose features FID and KID compare.

Measuring needs no TensorFlow: :mod:`helpers.digit_metrics` runs the trained network in NumPy
from ``data/mnist_classifier.npz``. This module is the same network in Keras, so that it can be
trained (``scripts/data/train_classifier.py`` made the shipped weights) or inspected:

- :func:`build_classifier` -- the network of :data:`helpers.digit_metrics.CLASSIFIER_LAYERS`,
  class logits out, initial weights from ``seed`` (or given weights).
- :func:`shift_digits` -- the augmentation: random shifts of up to ``max_shift`` pixels.
- :func:`train_classifier` -- the course's settings, on :func:`helpers.training.fit_resumable`.
- :func:`export_weights` -- the arrays :func:`helpers.digit_metrics.forward` takes.

Examples
--------
>>> from helpers import digit_metrics
>>> model = build_classifier(weights=digit_metrics.load_weights())
>>> x = np.zeros((2, 28, 28, 1), "float32")
>>> bool(np.allclose(keras.ops.convert_to_numpy(model(x)),
...                  digit_metrics.forward(x, upto="logits"), atol=1e-4))
True
"""

from __future__ import annotations

import numpy as np

import keras

from .. import checks
from ..data import DIGIT_SHAPE, check_digit_images
from ..digit_metrics import CLASSIFIER_LAYERS, weight_names
from ..training import SeededInitializers, epoch_means, fit_resumable

__all__ = ["build_classifier", "shift_digits", "train_classifier", "export_weights"]


def build_classifier(seed=0, weights=None):
    """The course classifier as a ``keras.Model``: digits (N, 28, 28, 1) -> 10 class logits.

    Parameters
    ----------
    seed : int
        Initial weights (:class:`helpers.training.SeededInitializers`); the global seeds are
        left alone.
    weights : dict of arrays, optional
        Arrays named as :func:`helpers.digit_metrics.weight_names` (e.g.
        :func:`helpers.digit_metrics.load_weights`) to load instead.

    Examples
    --------
    >>> build_classifier().count_params()
    121994
    """
    init = SeededInitializers(seed)
    inputs = keras.Input((*DIGIT_SHAPE, 1))
    x = inputs
    for spec in CLASSIFIER_LAYERS:
        if spec[0] == "conv":
            _, filters, stride = spec
            x = keras.layers.Conv2D(filters, 3, strides=stride, padding="same", activation="relu",
                                    kernel_initializer=init())(x)
        elif spec[0] == "flatten":
            x = keras.layers.Flatten()(x)
        else:
            _, units, activation = spec
            x = keras.layers.Dense(units, activation=activation, kernel_initializer=init())(x)
    model = keras.Model(inputs, x, name="mnist_classifier")
    if weights is not None:
        missing = set(weight_names()) - set(weights)
        if missing:
            raise ValueError(f"weights lacks arrays {sorted(missing)}; expected {weight_names()}")
        for i, layer in enumerate(_weighted_layers(model)):
            layer.set_weights([weights[f"layer{i}_kernel"], weights[f"layer{i}_bias"]])
    return model


def _weighted_layers(model):
    return [layer for layer in model.layers if layer.weights]


def export_weights(model):
    """The weights of a :func:`build_classifier` model as float32 arrays, named for ``digit_metrics``.

    The format of ``data/mnist_classifier.npz``:
    ``helpers.digit_metrics.forward(images, weights=export_weights(model))`` gives the model's output.
    """
    arrays = {}
    for i, layer in enumerate(_weighted_layers(model)):
        kernel, bias = (np.asarray(keras.ops.convert_to_numpy(w), dtype=np.float32) for w in layer.weights)
        arrays[f"layer{i}_kernel"], arrays[f"layer{i}_bias"] = kernel, bias
    if sorted(arrays) != sorted(weight_names()):
        raise ValueError(f"model has weights {sorted(arrays)}; a classifier built by build_classifier "
                         f"has {weight_names()}")
    return arrays


def shift_digits(images, rng, max_shift=2):
    """Each image rolled by its own random shift of up to ``max_shift`` pixels down/up and right/left.

    Parameters
    ----------
    images : ndarray, shape (N, H, W) or (N, H, W, C)
    rng : numpy.random.Generator
        Draws two shifts per image, in image order (so a seeded run is reproducible).
    max_shift : int

    Raises
    ------
    ValueError
        If ``images`` is empty, not (N, H, W) or (N, H, W, C), or holds NaN or infinite values.
    TypeError
        If ``images`` is complex or not numeric.

    Examples
    --------
    >>> x = np.zeros((1, 5, 5)); x[0, 2, 2] = 1
    >>> moved = shift_digits(x, np.random.default_rng(0), max_shift=1)
    >>> moved.sum(), moved.shape
    (np.float64(1.0), (1, 5, 5))
    """
    images = np.asarray(images)
    checks.finite(images, "images", nonempty=True)  # the dtype is kept; only checked
    if images.ndim not in (3, 4):
        raise ValueError(f"images must have shape (N, H, W) or (N, H, W, C); got {images.shape}")
    rng = checks.make_rng(rng)
    max_shift = checks.integer(max_shift, "max_shift", minimum=0)
    # (dy, dx) of each image, drawn in image order: one call per image, as a loop over images would
    shifts = np.array([rng.integers(-max_shift, max_shift + 1, size=2) for _ in range(len(images))])
    out = np.empty_like(images)
    for dy, dx in np.unique(shifts, axis=0):             # one roll per distinct shift, not per image
        same = (shifts[:, 0] == dy) & (shifts[:, 1] == dx)
        out[same] = np.roll(images[same], (dy, dx), axis=(1, 2))
    return out


class _Accuracy(keras.callbacks.Callback):
    """Accuracy on held-out digits after every epoch (printed when ``show``)."""

    def __init__(self, images, labels, show):
        super().__init__()
        self.images, self.labels, self.show = images, labels, show
        self.values = []

    def on_epoch_end(self, epoch, logs=None):
        # predict_on_batch reuses one traced function; predict would build a tf.data pipeline every epoch
        logits = np.concatenate([keras.ops.convert_to_numpy(self.model.predict_on_batch(self.images[i:i + 500]))
                                 for i in range(0, len(self.images), 500)])
        self.values.append(float(np.mean(np.argmax(logits, axis=1) == self.labels)))
        if self.show:
            print(f"epoch {epoch + 1:2d}: held-out accuracy {self.values[-1]:.4f}", flush=True)


def train_classifier(images, labels, epochs=30, batch_size=64, learning_rate=1e-3, max_shift=2, seed=0,
                     validation=None, progress=True, callbacks=()):
    """Train :func:`build_classifier` with the course's settings; return ``(model, history)``.

    Adam(``learning_rate``), cross-entropy on the logits, batches of ``batch_size`` (the last,
    smaller batch of an epoch included), each epoch's images shuffled and shifted by
    :func:`shift_digits` with the loop's generator, on :func:`helpers.training.fit_resumable`.
    These are the settings of the shipped weights (30 epochs on the 4,000 training digits).

    Parameters
    ----------
    images : array_like of float in [0, 1], shape (N, 28, 28) or (N, 28, 28, 1)
    labels : array_like of int in 0..9, shape (N,)
    epochs, batch_size : int
    learning_rate : float
    max_shift : int
        Largest shift of the augmentation (0: none).
    seed : int
        Initial weights and data order; the global seeds are left alone.
    validation : (images, labels), optional
        Held-out digits: their accuracy is measured after every epoch (``history["val_accuracy"]``).
    progress : bool
        Progress bar, and the held-out accuracy printed after every epoch.
    callbacks : sequence
        Passed to :func:`helpers.training.fit_resumable`.

    Returns
    -------
    model : keras.Model
    history : dict
        Per-epoch means of ``loss`` and ``accuracy`` (training batches), ``epoch``, and
        ``val_accuracy`` when ``validation`` is given.

    Raises
    ------
    ValueError
        If ``images`` is not a batch of 28 x 28 digits (:func:`helpers.data.check_digit_images`):
        empty, another shape, NaN, infinite or out-of-range values, or labels that do not fit.
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> from helpers.data import load_mnist_sample, to_float
    >>> x, y = load_mnist_sample("train")
    >>> model, history = train_classifier(to_float(x[:256]), y[:256], epochs=2, progress=False)
    >>> sorted(history), bool(history["loss"][1] < history["loss"][0])
    (['accuracy', 'epoch', 'loss'], True)
    """
    x = check_digit_images(images)[..., None]
    y = np.asarray(labels)
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() > 9:
        raise ValueError(f"labels must be {len(x)} integers in 0..9; got shape {y.shape}, dtype {y.dtype}")
    y = y.astype("int32")
    batch_size = checks.integer(batch_size, "batch_size")
    max_shift = checks.integer(max_shift, "max_shift", minimum=0)
    callbacks = list(callbacks)
    accuracy = None
    if validation is not None:
        val_x, val_y = validation
        accuracy = _Accuracy(check_digit_images(val_x, "validation images")[..., None], np.asarray(val_y),
                             show=progress)
        callbacks.append(accuracy)

    def dataset_fn(epoch, rng):
        order = rng.permutation(len(x))
        shifted = shift_digits(x[order], rng, max_shift)
        return [(shifted[i:i + batch_size], y[order[i:i + batch_size]]) for i in range(0, len(x), batch_size)]

    model = build_classifier(seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = epoch_means(fit_resumable(model, dataset_fn, epochs, callbacks=callbacks, seed=seed,
                                        progress=progress))
    if accuracy is not None:
        history["val_accuracy"] = accuracy.values
    return model, history
