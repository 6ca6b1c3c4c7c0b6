"""Measuring generated digits: the course's MNIST classifier in NumPy, FID, KID, class histograms.

The classifier (:data:`CLASSIFIER_LAYERS`) is trained in Keras by
:func:`helpers.models.classifier.train_classifier` (``scripts/data/train_classifier.py``) on
the 4,000 embedded training digits; its weights ship in ``data/mnist_classifier.npz``
(:func:`load_weights`). Its forward pass here (:func:`forward`) is plain NumPy, so measuring a
model needs no TensorFlow.

- :func:`features` -- the 64 features FID and KID compare; :func:`classify`,
  :func:`class_histogram` -- its predictions.
- :func:`fid`, :func:`kid`, :func:`frechet_distance` -- distances between two sets of digits.

These FIDs are course-internal: they use this 64-dimensional digit feature space, not the
2,048-dimensional Inception-v3 features of the papers, so their values are comparable only
with each other (same classifier, same number of samples), never with published FIDs.
"""

from __future__ import annotations

import numpy as np

from . import checks, data
from .data import check_digit_images

__all__ = ["CLASSIFIER_FILE", "CLASSIFIER_LAYERS", "FEATURE_DIM", "MIN_FID_SAMPLES", "MIN_KID_SAMPLES",
           "load_weights", "weight_names", "forward", "features", "classify", "class_histogram",
           "frechet_distance", "fid", "kid"]

CLASSIFIER_FILE = "mnist_classifier.npz"
#: Layers of the feature classifier, in order (conv: filters, stride; dense: units, activation).
CLASSIFIER_LAYERS = (
    ("conv", 32, 2),
    ("conv", 64, 2),
    ("conv", 64, 2),
    ("flatten",),
    ("dense", 64, "relu"),
    ("dense", 10, None),
)
#: Dimension of the feature vectors FID/KID compare.
FEATURE_DIM = 64
#: Fewest images FID accepts: its 64x64 covariance needs clearly more samples than dimensions.
MIN_FID_SAMPLES = 128
#: Fewest images KID accepts (it is unbiased, so small sets only make it noisier).
MIN_KID_SAMPLES = 16


def weight_names():
    """Names of the classifier's arrays, in layer order: ``layer0_kernel``, ``layer0_bias``, ...

    Examples
    --------
    >>> weight_names()[:2]
    ['layer0_kernel', 'layer0_bias']
    """
    n_weighted = sum(1 for spec in CLASSIFIER_LAYERS if spec[0] != "flatten")
    return [f"layer{i}_{part}" for i in range(n_weighted) for part in ("kernel", "bias")]


_SHIPPED_WEIGHTS = None


def load_weights(path=None):
    """The classifier's weights as a dict of float32 arrays (the format of ``data/mnist_classifier.npz``).

    Parameters
    ----------
    path : path, optional
        An ``.npz`` file with the arrays :func:`weight_names`. Default: the shipped file,
        checked against ``data/SHA256SUMS`` and read once (later calls reuse it).

    Raises
    ------
    helpers.data.DataError
        Missing, corrupt or incomplete file.

    Examples
    --------
    >>> sorted(load_weights())[:2]
    ['layer0_bias', 'layer0_kernel']
    """
    global _SHIPPED_WEIGHTS
    if path is None:
        if _SHIPPED_WEIGHTS is None:
            _SHIPPED_WEIGHTS = data.load_npz(data.embedded_path(CLASSIFIER_FILE), weight_names())
        return _SHIPPED_WEIGHTS
    return data.load_npz(path, weight_names())


def _conv_same(x, kernel, bias, stride):
    """Keras/TensorFlow ``Conv2D(padding="same")``: x (N, H, W, C), kernel (3, 3, C, F)."""
    k = kernel.shape[0]
    n, h, w, c = x.shape
    out_h, out_w = -(-h // stride), -(-w // stride)
    pad_h = max((out_h - 1) * stride + k - h, 0)
    pad_w = max((out_w - 1) * stride + k - w, 0)
    x = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    patches = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))
    patches = patches[:, ::stride, ::stride][:, :out_h, :out_w]       # (N, oh, ow, C, k, k)
    cols = patches.transpose(0, 1, 2, 4, 5, 3).reshape(n, out_h, out_w, k * k * c)
    return cols @ kernel.reshape(k * k * c, -1) + bias


def forward(images, weights=None, upto="features", batch_size=500):
    """The classifier's features (N, 64) or logits (N, 10) of digit images, in NumPy (float64).

    Parameters
    ----------
    images : array_like of float in [0, 1], shape (N, 28, 28) or (N, 28, 28, 1)
    weights : dict of arrays, optional
        From :func:`load_weights` (default: the shipped classifier) or
        :func:`helpers.models.classifier.export_weights`.
    upto : {"features", "logits"}
        Stop at the 64-unit layer FID/KID use, or go on to the class logits.
    batch_size : int
        Images per NumPy batch (memory, not results).

    Raises
    ------
    ValueError
        If ``images`` is not a batch of 28 x 28 digits (:func:`helpers.data.check_digit_images`):
        empty, another shape, NaN, infinite or out-of-range values.
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> from helpers.data import load_mnist_sample, to_float
    >>> x, y = load_mnist_sample("test")
    >>> forward(to_float(x[:3]), upto="logits").shape
    (3, 10)
    """
    images = check_digit_images(images)
    checks.choice(upto, "upto", ("features", "logits"))
    batch_size = checks.integer(batch_size, "batch_size")
    weights = load_weights() if weights is None else weights
    missing = set(weight_names()) - set(weights)
    if missing:
        raise ValueError(f"weights lacks arrays {sorted(missing)}; expected {weight_names()}")
    outputs = []
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size, :, :, None].astype(np.float32)
        i = 0
        for spec in CLASSIFIER_LAYERS:
            if spec[0] == "flatten":
                x = x.reshape(len(x), -1)
                continue
            kernel, bias = weights[f"layer{i}_kernel"], weights[f"layer{i}_bias"]
            i += 1
            if spec[0] == "conv":
                x = np.maximum(_conv_same(x, kernel, bias, spec[2]), 0)
            else:
                x = x @ kernel + bias
                if spec[2] == "relu":
                    x = np.maximum(x, 0)
                if upto == "features" and spec[1] == FEATURE_DIM:
                    break
        outputs.append(x)
    return np.concatenate(outputs).astype(np.float64)


def features(images):
    """64-dimensional features of digit images from the course's MNIST classifier.

    Parameters
    ----------
    images : array_like of float in [0, 1], shape (N, 28, 28) or (N, 28, 28, 1)

    Returns
    -------
    ndarray of float64, shape (N, 64)

    Raises
    ------
    ValueError
        If ``images`` is not a batch of 28 x 28 digits (:func:`helpers.data.check_digit_images`):
        empty, another shape, NaN, infinite or out-of-range values.
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> from helpers.data import load_mnist_sample, to_float
    >>> x, _ = load_mnist_sample("test")
    >>> features(to_float(x[:5])).shape
    (5, 64)
    """
    return forward(images, upto="features")


def classify(images, weights=None):
    """Predicted digit class (0-9) of each image, by the course's MNIST classifier.

    Its accuracy on the 1,000 held-out embedded test digits is given in ``data/README.md``.
    ``weights``: another set of the classifier's arrays (as :func:`forward` takes them), e.g. one
    retrained on other data; default the shipped weights.

    Raises
    ------
    ValueError
        If ``images`` is not a batch of 28 x 28 digits (:func:`helpers.data.check_digit_images`):
        empty, another shape, NaN, infinite or out-of-range values.
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> from helpers.data import load_mnist_sample, to_float
    >>> x, y = load_mnist_sample("test")
    >>> float(np.mean(classify(to_float(x)) == y)) > 0.9
    True
    """
    return np.argmax(forward(images, weights=weights, upto="logits"), axis=1)


def class_histogram(images, normalize=True):
    """How often the classifier predicts each digit class among ``images``.

    A generator that covers every digit gives about 0.1 per class; mode collapse shows
    as a few classes taking most of the mass.

    Parameters
    ----------
    images : array_like of float in [0, 1], shape (N, 28, 28) or (N, 28, 28, 1)
    normalize : bool
        Fractions summing to 1 (default) or counts.

    Returns
    -------
    ndarray, shape (10,)

    Raises
    ------
    ValueError
        If ``images`` is not a batch of 28 x 28 digits (:func:`helpers.data.check_digit_images`):
        empty, another shape, NaN, infinite or out-of-range values.
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> from helpers.data import load_mnist_sample, to_float
    >>> x, _ = load_mnist_sample("test")
    >>> h = class_histogram(to_float(x))
    >>> h.shape, round(float(h.sum()), 6), bool(h.min() > 0.05)
    ((10,), 1.0, True)
    """
    counts = np.bincount(classify(images), minlength=10)
    return counts / counts.sum() if normalize else counts


def _features_of(images, name, min_count):
    arr = np.asarray(images)
    if arr.ndim == 2 and arr.shape[1] == FEATURE_DIM and np.issubdtype(arr.dtype, np.floating):
        if len(arr) < min_count:
            raise ValueError(f"{name} has {len(arr)} feature vectors; at least {min_count} are needed")
        return arr.astype(np.float64)
    return forward(check_digit_images(arr, name, min_count), upto="features")


def frechet_distance(mu1, cov1, mu2, cov2):
    """Fréchet distance between two Gaussians: ``|mu1-mu2|^2 + tr(C1 + C2 - 2 (C1 C2)^(1/2))``.

    Raises
    ------
    ValueError
        If a mean is not a non-empty vector (D,), a covariance not a (D, D) matrix of the same
        D (all four may instead be numbers: two 1-D Gaussians), or any of them holds NaN or
        infinite values.
    TypeError
        If an argument is complex or not numeric.

    Examples
    --------
    >>> round(frechet_distance(np.zeros(2), np.eye(2), np.ones(2), np.eye(2)), 6)
    2.0

    Two 1-D Gaussians may be given as numbers (means and variances): N(0, 1) vs N(3, 2^2)

    >>> round(frechet_distance(0.0, 1.0, 3.0, 4.0), 6)
    10.0
    """
    mu1, mu2 = checks.finite(mu1, "mu1", nonempty=True), checks.finite(mu2, "mu2", nonempty=True)
    cov1, cov2 = checks.finite(cov1, "cov1"), checks.finite(cov2, "cov2")
    if mu1.ndim == mu2.ndim == cov1.ndim == cov2.ndim == 0:     # two 1-D Gaussians given as numbers
        mu1, mu2, cov1, cov2 = mu1.reshape(1), mu2.reshape(1), cov1.reshape(1, 1), cov2.reshape(1, 1)
    for name, mu in (("mu1", mu1), ("mu2", mu2)):
        if mu.shape != (len(mu1),) or mu.ndim != 1:
            raise ValueError(f"{name} must be a vector of shape ({mu1.size},); got shape {mu.shape}")
    for name, cov in (("cov1", cov1), ("cov2", cov2)):
        if cov.shape != (mu1.size, mu1.size):
            raise ValueError(f"{name} must have shape ({mu1.size}, {mu1.size}) to match the means; got {cov.shape}")
    # tr((C1 C2)^(1/2)) = sum of sqrt of eigenvalues of the symmetric PSD matrix S1 C2 S1,
    # S1 = C1^(1/2): stable even when a covariance is singular (dead feature units).
    w, v = np.linalg.eigh((cov1 + cov1.T) / 2)
    s1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = s1 @ cov2 @ s1
    tr_covmean = float(np.sqrt(np.clip(np.linalg.eigvalsh((inner + inner.T) / 2), 0, None)).sum())
    diff = mu1 - mu2
    return float(max(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2 * tr_covmean, 0.0))


def fid(real, generated):
    """Course-internal Fréchet distance between two sets of digit images (lower is closer).

    Both sets are mapped to the 64 features of the course's MNIST classifier
    (:func:`features`), a Gaussian is fitted to each, and
    :func:`frechet_distance` compares them. Not comparable with Inception FIDs of papers
    (other features, other scale). FID is biased upwards for small sets: compare values
    computed with the same numbers of images only.

    Parameters
    ----------
    real, generated : array_like
        Float images in [0, 1], shape (N, 28, 28) or (N, 28, 28, 1) with
        N >= :data:`MIN_FID_SAMPLES`, or precomputed features of shape (N, 64)
        (to reuse the real set's features).

    Raises
    ------
    ValueError
        If ``real`` or ``generated`` is not a batch of 28 x 28 digits (:func:`helpers.data.check_digit_images`:
        empty, another shape, NaN, infinite or out-of-range values) or has too few images.
    TypeError
        If ``real`` or ``generated`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> from helpers.data import load_mnist_sample, to_float
    >>> train, test = to_float(load_mnist_sample("train")[0]), to_float(load_mnist_sample("test")[0])
    >>> rng = np.random.default_rng(0)
    >>> fid(train[:1000], test) < fid(train[:1000], rng.random((1000, 28, 28)))
    True
    """
    f1 = _features_of(real, "real", MIN_FID_SAMPLES)
    f2 = _features_of(generated, "generated", MIN_FID_SAMPLES)
    return frechet_distance(f1.mean(0), np.cov(f1, rowvar=False), f2.mean(0), np.cov(f2, rowvar=False))


def kid(real, generated, n_subsets=10, subset_size=500, seed=0):
    """Course-internal kernel inception distance (unbiased MMD² with a cubic kernel).

    ``k(x, y) = (x·y / d + 1)^3`` on the classifier's features, averaged over
    ``n_subsets`` random subsets of ``subset_size`` images per set (smaller if a set is
    smaller). Unlike FID it is unbiased, so it can be compared across sample sizes; it is
    near 0 (and may be slightly negative) for two samples of one distribution.

    Returns
    -------
    mean, std : float
        Average over subsets and its standard deviation.

    Raises
    ------
    ValueError
        If ``real`` or ``generated`` is not a batch of 28 x 28 digits (:func:`helpers.data.check_digit_images`:
        empty, another shape, NaN, infinite or out-of-range values) or has too few images.
    TypeError
        If ``real`` or ``generated`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> from helpers.data import load_mnist_sample, to_float
    >>> test = to_float(load_mnist_sample("test")[0])
    >>> k_same, _ = kid(test[::2], test[1::2])
    >>> k_noise, _ = kid(test[:500], np.random.default_rng(0).random((500, 28, 28)))
    >>> bool(abs(k_same) < 0.1 * k_noise)
    True
    """
    checks.integer(n_subsets, "n_subsets")
    checks.integer(subset_size, "subset_size", minimum=2)
    f1 = _features_of(real, "real", MIN_KID_SAMPLES)
    f2 = _features_of(generated, "generated", MIN_KID_SAMPLES)
    rng = checks.make_rng(seed, "seed")
    m = min(subset_size, len(f1), len(f2))
    d = f1.shape[1]
    values = []
    for _ in range(n_subsets):
        x = f1[rng.choice(len(f1), m, replace=False)]
        y = f2[rng.choice(len(f2), m, replace=False)]
        kxx = (x @ x.T / d + 1) ** 3
        kyy = (y @ y.T / d + 1) ** 3
        kxy = (x @ y.T / d + 1) ** 3
        mmd = ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
               - 2 * kxy.mean())
        values.append(mmd)
    return float(np.mean(values)), float(np.std(values))
