"""Measuring images and generative models.

Image quality (PSNR, SSIM) needs only NumPy and scikit-image. Anything that
needs TensorFlow (FID/KID features) imports it inside the function that uses it,
so that ``import helpers.metrics`` stays fast.
"""

from __future__ import annotations

import numpy as np


# --------------------------------------------------------------------------- image quality


def _quality_pair(reference, test):
    """Validate two images for a full-reference quality measure; return them as float64."""
    arrays = []
    for name, img in (("reference", reference), ("test", test)):
        arr = np.asarray(img)
        if arr.dtype == np.uint8:
            raise TypeError(f"{name} is uint8: convert it explicitly to float in [0, 1] first "
                            "(helpers.data.to_float), so that data_range=1 is right")
        if not np.issubdtype(arr.dtype, np.floating):
            raise TypeError(f"{name} must be a float image; got dtype {arr.dtype}")
        if arr.ndim not in (2, 3) or arr.size == 0:
            raise ValueError(f"{name} must have shape (H, W) or (H, W, C); got {arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        arrays.append(arr.astype(np.float64))
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(f"reference and test differ in shape: {arrays[0].shape} vs {arrays[1].shape}")
    return arrays


def psnr(reference, test, data_range=1.0):
    """Peak signal-to-noise ratio in decibels: ``10 log10(data_range^2 / MSE)``.

    Parameters
    ----------
    reference, test : array_like of float, shape (H, W) or (H, W, C)
        The clean image and the image to judge. Values are not clipped; ``test`` may
        lie outside [0, 1] (unclipped noise), the reference should not.
    data_range : float
        Distance from black to white: 1 for the course's float images.

    Returns
    -------
    float
        ``inf`` for identical images. Every halving of the noise's std adds 6.02 dB.

    Examples
    --------
    >>> clean = np.full((8, 8), 0.5)
    >>> round(psnr(clean, clean + 0.1), 2)     # MSE = 0.01
    20.0
    """
    ref, tst = _quality_pair(reference, test)
    if not (np.isfinite(data_range) and data_range > 0):
        raise ValueError(f"data_range must be a positive number; got {data_range}")
    mse = float(np.mean((ref - tst) ** 2))
    if mse == 0.0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / mse))


def ssim(reference, test, data_range=1.0, **kwargs):
    """Structural similarity (Wang et al. 2004), via :func:`skimage.metrics.structural_similarity`.

    1 for identical images, near 0 for unrelated ones. Colour images (H, W, 3) are
    compared channel by channel and averaged. Extra keyword arguments go to scikit-image
    (e.g. ``gaussian_weights=True``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = rng.random((64, 64))
    >>> ssim(clean, clean)
    1.0
    >>> ssim(clean, rng.random((64, 64))) < 0.1
    True
    """
    from skimage.metrics import structural_similarity

    ref, tst = _quality_pair(reference, test)
    if not (np.isfinite(data_range) and data_range > 0):
        raise ValueError(f"data_range must be a positive number; got {data_range}")
    if min(ref.shape[:2]) < 7:
        raise ValueError(f"images must be at least 7x7 for SSIM's window; got {ref.shape}")
    if ref.ndim == 3:
        kwargs.setdefault("channel_axis", -1)
    return float(structural_similarity(ref, tst, data_range=data_range, **kwargs))


# --------------------------------------------------------------------------- FID / KID
#
# The features come from a small MNIST classifier trained by scripts/train_classifier.py on
# the 4,000 embedded training digits; its weights ship in data/mnist_classifier.npz. Its
# forward pass below is plain NumPy (no TensorFlow needed to measure a model).
#
# These FIDs are course-internal: they use this 64-dimensional digit feature space, not the
# 2,048-dimensional Inception-v3 features of the papers, so their values are comparable
# only with each other (same classifier, same number of samples), never with published FIDs.

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


def check_digit_images(images, name="images", min_count=1):
    """Validate a batch of digit images and return it as float32 of shape (N, 28, 28).

    Parameters
    ----------
    images : array_like of float, shape (N, 28, 28) or (N, 28, 28, 1)
        Values in [0, 1] (a tolerance of 1e-4 absorbs round-off; nothing is clipped).
    name : str
        Argument name used in error messages.
    min_count : int
        Fewest images accepted.

    Raises
    ------
    TypeError
        uint8 or non-float input (convert with :func:`helpers.data.to_float`).
    ValueError
        Wrong shape, values outside [0, 1], NaN, or fewer than ``min_count`` images.

    Examples
    --------
    >>> check_digit_images(np.zeros((3, 28, 28, 1))).shape
    (3, 28, 28)
    >>> check_digit_images(np.zeros((3, 32, 32)))
    Traceback (most recent call last):
    ...
    ValueError: images must have shape (N, 28, 28) or (N, 28, 28, 1); got (3, 32, 32)
    """
    arr = np.asarray(images)
    if arr.dtype == np.uint8:
        raise TypeError(f"{name} is uint8: convert it to float in [0, 1] first "
                        "(helpers.data.to_float)")
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{name} must be float images in [0, 1]; got dtype {arr.dtype}")
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 3 or arr.shape[1:] != (28, 28):
        raise ValueError(f"{name} must have shape (N, 28, 28) or (N, 28, 28, 1); "
                         f"got {np.shape(images)}")
    if len(arr) < min_count:
        raise ValueError(f"{name} has {len(arr)} images; at least {min_count} are needed")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < -1e-4 or hi > 1 + 1e-4:
        raise ValueError(f"{name} must lie in [0, 1]; got range [{lo:.4g}, {hi:.4g}] "
                         "(a generator with tanh output gives [-1, 1]: map it with (x + 1) / 2)")
    return arr.astype(np.float32, copy=False)


def _load_arrays(path=None):
    from . import data

    path = data.embedded_path(CLASSIFIER_FILE) if path is None else path
    n_weighted = sum(1 for spec in CLASSIFIER_LAYERS if spec[0] != "flatten")
    keys = [f"layer{i}_{p}" for i in range(n_weighted) for p in ("kernel", "bias")]
    return data.load_npz(path, keys)


_WEIGHTS = None


def _classifier_arrays():
    global _WEIGHTS
    if _WEIGHTS is None:
        _WEIGHTS = _load_arrays()
    return _WEIGHTS


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


def _classifier_forward(images, arrays, upto="features", batch_size=500):
    """Features (N, 64) or logits (N, 10) of float32 images (N, 28, 28)."""
    outputs = []
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size, :, :, None].astype(np.float32)
        i = 0
        for spec in CLASSIFIER_LAYERS:
            if spec[0] == "flatten":
                x = x.reshape(len(x), -1)
                continue
            kernel, bias = arrays[f"layer{i}_kernel"], arrays[f"layer{i}_bias"]
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


def classifier_features(images):
    """64-dimensional features of digit images from the course's MNIST classifier.

    Parameters
    ----------
    images : array_like of float in [0, 1], shape (N, 28, 28) or (N, 28, 28, 1)

    Returns
    -------
    ndarray of float64, shape (N, 64)

    Examples
    --------
    >>> from helpers.data import load_mnist_sample, to_float
    >>> x, _ = load_mnist_sample("test")
    >>> classifier_features(to_float(x[:5])).shape
    (5, 64)
    """
    return _classifier_forward(check_digit_images(images), _classifier_arrays(), "features")


def classify(images):
    """Predicted digit class (0-9) of each image, by the course's MNIST classifier.

    Its accuracy on the 1,000 held-out embedded test digits is given in ``data/README.md``.

    Examples
    --------
    >>> from helpers.data import load_mnist_sample, to_float
    >>> x, y = load_mnist_sample("test")
    >>> float(np.mean(classify(to_float(x)) == y)) > 0.9
    True
    """
    logits = _classifier_forward(check_digit_images(images), _classifier_arrays(), "logits")
    return np.argmax(logits, axis=1)


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
    feats = check_digit_images(arr, name, min_count)
    return _classifier_forward(feats, _classifier_arrays(), "features")


def frechet_distance(mu1, cov1, mu2, cov2):
    """Fréchet distance between two Gaussians: ``|mu1-mu2|^2 + tr(C1 + C2 - 2 (C1 C2)^(1/2))``.

    Examples
    --------
    >>> round(frechet_distance(np.zeros(2), np.eye(2), np.ones(2), np.eye(2)), 6)
    2.0
    """
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    cov1, cov2 = np.atleast_2d(cov1).astype(np.float64), np.atleast_2d(cov2).astype(np.float64)
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
    (:func:`classifier_features`), a Gaussian is fitted to each, and
    :func:`frechet_distance` compares them. Not comparable with Inception FIDs of papers
    (other features, other scale). FID is biased upwards for small sets: compare values
    computed with the same numbers of images only.

    Parameters
    ----------
    real, generated : array_like
        Float images in [0, 1], shape (N, 28, 28) or (N, 28, 28, 1) with
        N >= :data:`MIN_FID_SAMPLES`, or precomputed features of shape (N, 64)
        (to reuse the real set's features).

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

    Examples
    --------
    >>> from helpers.data import load_mnist_sample, to_float
    >>> test = to_float(load_mnist_sample("test")[0])
    >>> k_same, _ = kid(test[::2], test[1::2])
    >>> k_noise, _ = kid(test[:500], np.random.default_rng(0).random((500, 28, 28)))
    >>> bool(abs(k_same) < 0.1 * k_noise)
    True
    """
    if not (isinstance(n_subsets, (int, np.integer)) and n_subsets >= 1):
        raise ValueError(f"n_subsets must be a positive integer; got {n_subsets!r}")
    if not (isinstance(subset_size, (int, np.integer)) and subset_size >= 2):
        raise ValueError(f"subset_size must be an integer >= 2; got {subset_size!r}")
    f1 = _features_of(real, "real", MIN_KID_SAMPLES)
    f2 = _features_of(generated, "generated", MIN_KID_SAMPLES)
    rng = np.random.default_rng(seed)
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
