"""Probability densities, sampling and estimation, from one pixel to whole images.

One variable
    :func:`gaussian_pdf`, :func:`gaussian_logpdf`, :func:`gaussian_cdf`, :func:`gaussian_ppf`,
    :func:`uniform_pdf`, :func:`uniform_cdf`; samplers :func:`inverse_cdf_sample` and
    :func:`box_muller`; estimates :func:`histogram_density`, :func:`kde`,
    :func:`silverman_bandwidth`; maximum likelihood :func:`fit_gaussian_mle` and
    :func:`gaussian_log_likelihood`.
Several variables
    :func:`check_covariance`, :func:`mvn_logpdf`, :func:`mvn_sample` (via a Cholesky factor).
Images
    Two "ladders" of models, each compared on the same held-out digits:

    - **8-bit images, continuous models.** A density on [0, 1]^D is only comparable with
      other densities if the data are continuous: :func:`dequantize` adds uniform noise to
      each integer level, ``(x + u) / 256``. :class:`GaussianImageModel` is an independent
      per-pixel Gaussian, a PCA (probabilistic PCA) Gaussian or a full-covariance Gaussian;
      :class:`PCAGaussianMixture` is a Gaussian mixture in PCA coordinates. Scores are
      ``bits_per_dim(nll, D, offset_bits=8)`` (see :func:`bits_per_dim`).
    - **Binarized images, discrete models.** :func:`binarize` gives {0, 1} pixels;
      :class:`IndependentBernoulli` and :class:`BernoulliMixture` (EM) give probabilities,
      scored in nats per image and ``bits_per_dim(nll, D)``. :func:`bernoulli_ladder` fits
      them with the course's one setting (:data:`BERNOULLI_LADDER`), so that notebooks 02
      and 05 report the same models. The VAE of notebook 05 joins this ladder.

Everything is NumPy/SciPy; nothing here imports TensorFlow. Randomness comes from an
``rng`` argument: an int seed, a :class:`numpy.random.Generator` or ``None``.
"""

from __future__ import annotations

import math

import numpy as np

from . import checks

__all__ = [
    "gaussian_pdf", "gaussian_logpdf", "gaussian_cdf", "gaussian_ppf", "uniform_pdf", "uniform_cdf",
    "inverse_cdf_sample", "box_muller", "histogram_density", "kde", "silverman_bandwidth",
    "fit_gaussian_mle", "gaussian_log_likelihood",
    "check_covariance", "mvn_logpdf", "mvn_sample",
    "bits_per_dim", "binarize", "dequantize",
    "IndependentBernoulli", "BernoulliMixture", "GaussianImageModel", "PCAGaussianMixture",
]

LN2 = math.log(2.0)


# --------------------------------------------------------------------------- validation


def _as_rows(X, name="X"):
    """(N, ...) array -> (N, D) float64 and the shape of one item; complex, NaN, inf, empty refused."""
    arr = checks.real_array(X, name)
    if arr.ndim < 2 or arr.shape[0] == 0 or arr[0].size == 0:
        raise ValueError(f"{name} must be a batch of shape (N, D) or (N, H, W) with N >= 1; got shape {arr.shape}")
    rows = arr.reshape(arr.shape[0], -1)
    if not np.all(np.isfinite(rows)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return rows, arr.shape[1:]


def _fitted_rows(model, X, fitted_attr):
    """``X`` as (N, D) rows for a model fitted on items of ``model.shape_``; clear errors otherwise."""
    if not hasattr(model, fitted_attr):
        raise RuntimeError("call fit(X) first")
    rows, shape = _as_rows(X)
    if rows.shape[1] != int(np.prod(model.shape_)):
        raise ValueError(f"X items have shape {shape}; the model was fitted on {model.shape_}")
    return rows


def _check_binary(rows, name="X"):
    if not np.all((rows == 0) | (rows == 1)):
        raise ValueError(f"{name} must contain only 0 and 1 (use binarize(images) first)")


# --------------------------------------------------------------------------- one variable


def gaussian_pdf(x, mu=0.0, sigma=1.0):
    """Density of the normal distribution N(mu, sigma^2) at ``x``.

    Elementwise, like NumPy: ``x`` of any shape; NaN where ``x`` is NaN, 0 at +-inf.

    Raises
    ------
    ValueError
        If ``sigma`` is not positive.
    TypeError
        If ``x`` is complex.

    Examples
    --------
    >>> round(float(gaussian_pdf(0.0)), 6)   # 1 / sqrt(2 pi)
    0.398942
    """
    return np.exp(gaussian_logpdf(x, mu, sigma))


def gaussian_logpdf(x, mu=0.0, sigma=1.0):
    """Natural log of :func:`gaussian_pdf`, computed without underflow.

    Elementwise, like NumPy: ``x`` of any shape; NaN where ``x`` is NaN, -inf at +-inf.

    Raises
    ------
    ValueError
        If ``sigma`` is not positive.
    TypeError
        If ``x`` is complex.

    Examples
    --------
    >>> round(float(gaussian_logpdf(40.0)), 3)   # the pdf itself underflows to 0
    -800.919
    """
    sigma = checks.positive(sigma, "sigma")
    z = (checks.real_array(x, "x") - mu) / sigma
    return -0.5 * z * z - np.log(sigma) - 0.5 * math.log(2 * math.pi)


def gaussian_cdf(x, mu=0.0, sigma=1.0):
    """P(X <= x) for X ~ N(mu, sigma^2).

    Elementwise, like NumPy: ``x`` of any shape; NaN where ``x`` is NaN, 0 at -inf and 1 at +inf.

    Raises
    ------
    ValueError
        If ``sigma`` is not positive.
    TypeError
        If ``x`` is complex.

    Examples
    --------
    >>> round(float(gaussian_cdf(1.0) - gaussian_cdf(-1.0)), 4)   # within one sigma
    0.6827
    """
    from scipy.special import ndtr

    sigma = checks.positive(sigma, "sigma")
    return ndtr((checks.real_array(x, "x") - mu) / sigma)


def gaussian_ppf(q, mu=0.0, sigma=1.0):
    """Inverse of :func:`gaussian_cdf` (the quantile function), for q in (0, 1).

    ``q`` may have any shape (an empty ``q`` gives an empty result); 0 and 1 give -inf and +inf.

    Raises
    ------
    ValueError
        If ``q`` is NaN or outside [0, 1], or ``sigma`` is not positive.
    TypeError
        If ``q`` is complex.

    Examples
    --------
    >>> round(float(gaussian_ppf(0.975)), 3)
    1.96
    """
    from scipy.special import ndtri

    sigma = checks.positive(sigma, "sigma")
    q = checks.real_array(q, "q")
    if np.any((q < 0) | (q > 1)) or np.any(np.isnan(q)):
        raise ValueError("q must lie in [0, 1] (NaN is not a probability)")
    return mu + sigma * ndtri(q)


def _check_interval(low, high):
    low, high = float(low), float(high)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"need finite low < high; got low={low}, high={high}")
    return low, high


def uniform_pdf(x, low=0.0, high=1.0):
    """Density of the uniform distribution on [low, high): 1 / (high - low) inside, 0 outside.

    Elementwise, like NumPy: ``x`` of any shape; NaN where ``x`` is NaN, 0 at +-inf.

    Raises
    ------
    ValueError
        If ``low`` and ``high`` are not finite with low < high.
    TypeError
        If ``x`` is complex.

    Examples
    --------
    >>> uniform_pdf([-0.5, 0.25, 2.0], low=0, high=2).tolist()
    [0.0, 0.5, 0.0]
    """
    low, high = _check_interval(low, high)
    x = checks.real_array(x, "x")
    return np.where(np.isnan(x), np.nan, np.where((x >= low) & (x < high), 1.0 / (high - low), 0.0))


def uniform_cdf(x, low=0.0, high=1.0):
    """P(X <= x) for X uniform on [low, high).

    Elementwise, like NumPy: ``x`` of any shape; NaN where ``x`` is NaN, 0 at -inf and 1 at +inf.

    Raises
    ------
    ValueError
        If ``low`` and ``high`` are not finite with low < high.
    TypeError
        If ``x`` is complex.

    Examples
    --------
    >>> uniform_cdf([-1.0, 0.5, 3.0]).tolist()
    [0.0, 0.5, 1.0]
    """
    low, high = _check_interval(low, high)
    return np.clip((checks.real_array(x, "x") - low) / (high - low), 0.0, 1.0)


def inverse_cdf_sample(ppf, size, rng=None):
    """Sample any distribution from its quantile function: ``ppf(U)`` with U uniform on (0, 1).

    If F is a continuous CDF and U is uniform, then F^{-1}(U) has CDF F, because
    P(F^{-1}(U) <= x) = P(U <= F(x)) = F(x).

    Parameters
    ----------
    ppf : callable
        The inverse CDF, applied to an array of uniforms.
    size : int or tuple of int
    rng : int, Generator or None

    Examples
    --------
    >>> x = inverse_cdf_sample(lambda u: -np.log1p(-u) / 2.0, 100_000, rng=0)  # exponential, rate 2
    >>> round(float(x.mean()), 2)
    0.5
    """
    if not callable(ppf):
        raise TypeError(f"ppf must be callable (an inverse CDF); got {ppf!r}")
    u = checks.make_rng(rng).random(size)
    u = np.where(u == 0.0, np.nextafter(0.0, 1.0), u)  # random() can return exactly 0
    return np.asarray(ppf(u), dtype=float)


def box_muller(n, rng=None):
    """``n`` standard normal samples from pairs of uniforms (the Box--Muller transform).

    With U1, U2 uniform on (0, 1], R = sqrt(-2 ln U1) and angle 2 pi U2, the two
    coordinates R cos(angle) and R sin(angle) are independent N(0, 1).

    Examples
    --------
    >>> z = box_muller(200_000, rng=1)
    >>> round(float(z.mean()), 2) == 0.0, round(float(z.std()), 2)
    (True, 1.0)
    """
    n = checks.integer(n, "n")
    gen = checks.make_rng(rng)
    m = (n + 1) // 2
    u1 = 1.0 - gen.random(m)  # in (0, 1]: log(u1) is finite
    u2 = gen.random(m)
    r = np.sqrt(-2.0 * np.log(u1))
    angle = 2.0 * math.pi * u2
    return np.concatenate([r * np.cos(angle), r * np.sin(angle)])[:n]


def histogram_density(samples, bins=30, range=None):
    """A histogram normalised as a density: bar heights times bar widths sum to 1.

    Returns
    -------
    density : ndarray, shape (bins,)
    edges : ndarray, shape (bins + 1,)

    Raises
    ------
    TypeError
        If ``samples`` is complex or not numeric.
    ValueError
        If ``samples`` is empty or holds NaN or infinite values (any shape: it is flattened).

    Examples
    --------
    >>> density, edges = histogram_density([0.1, 0.2, 0.7, 0.9], bins=2, range=(0, 1))
    >>> density.tolist(), float(np.sum(density * np.diff(edges)))
    ([1.0, 1.0], 1.0)
    """
    samples = checks.finite(samples, "samples").ravel()
    if samples.size == 0:
        raise ValueError("samples is empty")
    checks.integer(bins, "bins")
    density, edges = np.histogram(samples, bins=bins, range=range, density=True)
    return density, edges


def silverman_bandwidth(samples):
    """Silverman's rule of thumb for a Gaussian kernel: 0.9 min(std, IQR/1.34) n^(-1/5).

    Raises
    ------
    TypeError
        If ``samples`` is complex or not numeric.
    ValueError
        If ``samples`` is empty, has fewer than 2 values, all equal, or holds NaN or infinite values (any shape: it is flattened).

    Examples
    --------
    >>> h = silverman_bandwidth(np.random.default_rng(0).normal(size=1000))
    >>> 0.2 < h < 0.3
    True
    """
    samples = checks.finite(samples, "samples").ravel()
    if samples.size < 2:
        raise ValueError("need at least 2 samples for a bandwidth")
    q75, q25 = np.percentile(samples, [75, 25])
    spread = min(samples.std(ddof=1), (q75 - q25) / 1.34)
    if spread <= 0:
        spread = samples.std(ddof=1)
    if spread <= 0:
        raise ValueError("samples are all equal: no bandwidth can be estimated")
    return float(0.9 * spread * samples.size ** (-0.2))


def kde(x, samples, bandwidth=None):
    """Gaussian kernel density estimate at points ``x``: the mean of one bump per sample.

    Parameters
    ----------
    x : array_like
        Where to evaluate (any shape).
    samples : array_like
        Data (flattened).
    bandwidth : float, optional
        Standard deviation of each Gaussian bump; Silverman's rule by default.

    ``x`` is taken elementwise, like NumPy: NaN where ``x`` is NaN, 0 at +-inf.

    Raises
    ------
    TypeError
        If ``x`` or ``samples`` is complex or not numeric.
    ValueError
        If ``samples`` is empty or holds NaN or infinite values.

    Examples
    --------
    >>> float(kde(0.0, [0.0], bandwidth=1.0)) == float(gaussian_pdf(0.0))
    True
    """
    samples = checks.finite(samples, "samples").ravel()
    if samples.size == 0:
        raise ValueError("samples is empty")
    h = silverman_bandwidth(samples) if bandwidth is None else float(checks.positive(bandwidth, "bandwidth"))
    x = checks.real_array(x, "x")
    flat = x.ravel()
    out = np.empty_like(flat)
    step = max(1, 2_000_000 // samples.size)  # bounded memory for large inputs
    for start in range(0, flat.size, step):
        z = (flat[start:start + step, None] - samples[None, :]) / h
        out[start:start + step] = np.exp(-0.5 * z * z).mean(axis=1) / (h * math.sqrt(2 * math.pi))
    return out.reshape(x.shape)


def fit_gaussian_mle(samples):
    """Maximum-likelihood mu and sigma of a normal distribution: the mean and the std with ddof=0.

    Raises
    ------
    TypeError
        If ``samples`` is complex or not numeric.
    ValueError
        If ``samples`` is empty, has fewer than 2 values, all equal, or holds NaN or infinite values (any shape: it is flattened).

    Examples
    --------
    >>> fit_gaussian_mle([1.0, 3.0])
    (2.0, 1.0)
    """
    samples = checks.finite(samples, "samples").ravel()
    if samples.size < 2:
        raise ValueError("need at least 2 samples to fit mu and sigma")
    sigma = float(samples.std())
    if sigma == 0:
        raise ValueError("samples are all equal: the maximum-likelihood sigma would be 0")
    return float(samples.mean()), sigma


def gaussian_log_likelihood(samples, mu, sigma):
    """Total log-likelihood (nats) of ``samples`` under N(mu, sigma^2).

    Raises
    ------
    TypeError
        If ``samples`` is complex or not numeric.
    ValueError
        If ``samples`` is empty or holds NaN or infinite values (any shape: it is flattened).

    Examples
    --------
    >>> round(gaussian_log_likelihood([0.0, 0.0], 0.0, 1.0), 4)   # 2 * log(1/sqrt(2 pi))
    -1.8379
    """
    return float(np.sum(gaussian_logpdf(checks.finite(samples, "samples", nonempty=True), mu, sigma)))


# --------------------------------------------------------------------------- several variables


def check_covariance(cov, dim=None):
    """Validate a covariance matrix and return its lower Cholesky factor L (cov = L L^T).

    Raises
    ------
    ValueError
        If ``cov`` is not a square (D, D) matrix (of size ``dim`` when given), not
        finite, not symmetric, or not positive definite.
    TypeError
        If ``cov`` is complex or not numeric.

    Examples
    --------
    >>> check_covariance([[4.0, 0.0], [0.0, 1.0]]).tolist()
    [[2.0, 0.0], [0.0, 1.0]]
    >>> check_covariance([[1.0, 2.0], [2.0, 1.0]])
    Traceback (most recent call last):
    ...
    ValueError: cov is not positive definite (smallest eigenvalue -1); a covariance needs all eigenvalues > 0 (add a small multiple of the identity to regularise it)
    """
    cov = checks.real_array(cov, "cov")
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1] or cov.shape[0] == 0:
        raise ValueError(f"cov must be a square (D, D) matrix; got shape {cov.shape}")
    if dim is not None and cov.shape[0] != dim:
        raise ValueError(f"cov must have shape ({dim}, {dim}) to match the mean; got {cov.shape}")
    if not np.all(np.isfinite(cov)):
        raise ValueError("cov must be finite (no NaN or inf)")
    scale = max(1.0, float(np.abs(cov).max()))
    if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12 * scale):
        raise ValueError("cov must be symmetric (cov == cov.T)")
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        smallest = float(np.linalg.eigvalsh(cov)[0])
        smallest = 0.0 if abs(smallest) < 1e-12 * scale else smallest  # report round-off as 0
        raise ValueError(f"cov is not positive definite (smallest eigenvalue {smallest:.3g}); a "
                         "covariance needs all eigenvalues > 0 (add a small multiple of the "
                         "identity to regularise it)") from None


def _check_mean(mean):
    mean = checks.finite(mean, "mean")
    if mean.ndim != 1 or mean.size == 0:
        raise ValueError(f"mean must be a 1-D vector of length D; got shape {mean.shape}")
    return mean


def mvn_logpdf(x, mean, cov):
    """Log-density (nats) of the multivariate normal N(mean, cov) at the rows of ``x``.

    log p(x) = -(D log(2 pi) + log det(cov) + (x - mean)^T cov^-1 (x - mean)) / 2,
    with the determinant and the solve done through the Cholesky factor.

    Parameters
    ----------
    x : array_like, shape (D,) or (N, D)
    mean : array_like, shape (D,)
    cov : array_like, shape (D, D)
        Symmetric positive definite (checked, see :func:`check_covariance`).

    Returns
    -------
    float or ndarray of shape (N,)

    Raises
    ------
    ValueError
        If an argument holds NaN or infinite values, ``x`` has no rows, or a shape does not fit.
    TypeError
        If an argument is complex or not numeric.

    Examples
    --------
    >>> round(float(mvn_logpdf([0.0, 0.0], [0.0, 0.0], np.eye(2))), 4)   # -log(2 pi)
    -1.8379
    """
    from scipy.linalg import solve_triangular

    mean = _check_mean(mean)
    L = check_covariance(cov, dim=mean.size)
    x = checks.finite(x, "x", nonempty=True)
    single = x.ndim == 1
    rows = x[None, :] if single else x
    if rows.ndim != 2 or rows.shape[1] != mean.size:
        raise ValueError(f"x must have shape ({mean.size},) or (N, {mean.size}); got {x.shape}")
    z = solve_triangular(L, (rows - mean).T, lower=True)
    logdet = 2.0 * np.sum(np.log(np.diag(L)))
    out = -0.5 * (mean.size * math.log(2 * math.pi) + logdet + np.sum(z * z, axis=0))
    return float(out[0]) if single else out


def mvn_sample(mean, cov, n, rng=None):
    """``n`` samples of N(mean, cov): mean + L z with z standard normal and cov = L L^T (Cholesky).

    Raises
    ------
    ValueError
        If ``mean`` or ``cov`` holds NaN or infinite values or does not have the right shape
        (see :func:`check_covariance`).
    TypeError
        If ``mean`` or ``cov`` is complex or not numeric.

    Examples
    --------
    >>> x = mvn_sample([0.0, 0.0], [[1.0, 0.8], [0.8, 1.0]], 50_000, rng=0)
    >>> round(float(np.corrcoef(x.T)[0, 1]), 2)
    0.8
    """
    mean = _check_mean(mean)
    L = check_covariance(cov, dim=mean.size)
    n = checks.integer(n, "n")
    z = checks.make_rng(rng).standard_normal((n, mean.size))
    return mean + z @ L.T


# --------------------------------------------------------------------------- images: shared protocol


def bits_per_dim(nll_nats, n_dims, offset_bits=0.0):
    """Convert a negative log-likelihood in nats (per image) to bits per dimension.

    ``bits/dim = nll_nats / (n_dims * ln 2) + offset_bits``.

    - **Discrete models** (binarized pixels, probabilities): ``offset_bits=0``.
    - **Continuous models of 8-bit images** fitted on :func:`dequantize`-d data in [0, 1]:
      ``offset_bits=8``. A density p on [0, 1]^D becomes a density on [0, 256)^D (the
      usual scale of 8-bit pixels) by dividing by 256 per dimension, which adds
      log2(256) = 8 bits per dimension. Then the uniform density scores exactly 8 bits/dim
      and a perfect model of the integer levels could reach 0.

    Parameters
    ----------
    nll_nats : float or array_like
        -log p(x) in nats, per image (an array gives one value per image).
    n_dims : int
        Dimensions per image (784 for 28 x 28 digits).
    offset_bits : float
        Added per dimension (8 for dequantized 8-bit data, see above).

    Raises
    ------
    ValueError
        If ``nll_nats`` is empty or holds NaN or infinite values (a diverged model has no bits/dim).
    TypeError
        If ``nll_nats`` is complex or not numeric.

    Examples
    --------
    >>> round(bits_per_dim(784 * math.log(2), 784), 6)   # every binary pixel a fair coin
    1.0
    >>> bits_per_dim(0.0, 784, offset_bits=8)             # uniform density on [0, 1]^784
    8.0
    """
    n_dims = checks.integer(n_dims, "n_dims")
    nll = checks.finite(nll_nats, "nll_nats", nonempty=True)
    out = nll / (n_dims * LN2) + float(offset_bits)
    return float(out) if out.ndim == 0 else out


def binarize(images, threshold=0.5):
    """Binarize images to float32 {0, 1}: 1 where the intensity in [0, 1] is above ``threshold``.

    uint8 images are compared as ``pixel / 255 > threshold``; float images must lie in [0, 1].
    Deterministic (no sampling), so every model and notebook sees the same binary digits.

    Raises
    ------
    ValueError
        If ``images`` is empty, holds NaN or infinite values, or float values outside [0, 1].
    TypeError
        If ``images`` has another dtype than float, uint8 or bool (complex included).

    Examples
    --------
    >>> binarize(np.array([[0, 127, 128, 255]], dtype=np.uint8)).tolist()
    [[0.0, 0.0, 1.0, 1.0]]
    """
    from .data import to_float

    t = float(threshold)
    if not 0.0 <= t < 1.0:
        raise ValueError(f"threshold must lie in [0, 1); got {threshold!r}")
    images = to_float(images)
    if images.size == 0:
        raise ValueError(f"images is empty (shape {images.shape})")
    return (images > t).astype(np.float32)


def dequantize(images_uint8, rng=0):
    """Uniform dequantization of 8-bit images: ``(x + u) / 256`` with u uniform on [0, 1) per pixel.

    Integer levels k become the interval [k/256, (k+1)/256): a continuous density on
    [0, 1]^D fitted to these values, scored with ``bits_per_dim(nll, D, offset_bits=8)``,
    bounds the number of bits a model needs for the 8-bit images themselves.

    Parameters
    ----------
    images_uint8 : ndarray of uint8
    rng : int, Generator or None
        Seed: use a fixed one so every model is scored on the same noise.

    Returns
    -------
    ndarray of float32, same shape, values in [0, 1)

    Raises
    ------
    TypeError
        If ``images_uint8`` is not uint8 (NaN, infinities and complex cannot be 8-bit levels).
    ValueError
        If ``images_uint8`` is empty.

    Examples
    --------
    >>> x = dequantize(np.array([[0, 255]], dtype=np.uint8), rng=0)
    >>> bool(0 <= x[0, 0] < 1 / 256), bool(255 / 256 <= x[0, 1] < 1)
    (True, True)
    """
    images = np.asarray(images_uint8)
    if images.dtype != np.uint8:
        raise TypeError(f"images_uint8 must have dtype uint8 (0-255 levels); got {images.dtype}")
    if images.size == 0:
        raise ValueError(f"images_uint8 is empty (shape {images.shape})")
    u = checks.make_rng(rng).random(images.shape)
    out = ((images.astype(np.float64) + u) / 256.0).astype(np.float32)
    return np.minimum(out, np.float32(np.nextafter(np.float32(1), np.float32(0))))


# --------------------------------------------------------------------------- discrete models


class IndependentBernoulli:
    """One independent coin per pixel: p(x) = prod_d mu_d^x_d (1 - mu_d)^(1 - x_d).

    Parameters
    ----------
    alpha : float
        Laplace smoothing: ``mu_d = (count of ones + alpha) / (N + 2 alpha)``. With alpha > 0
        no probability is exactly 0 or 1, so a test digit with one pixel never seen on in
        training gets a finite log-likelihood instead of -inf. alpha=1 is Laplace's rule.

    Attributes
    ----------
    probs_ : ndarray, shape of one image
        The probability of each pixel being 1.

    Raises
    ------
    ValueError
        From fit and log_likelihood: ``X`` that is not a batch (N, ...) with N >= 1, holds NaN or
        infinite values, is not binary (0 and 1), or whose items do not have the fitted shape.
    TypeError
        From the same methods: ``X`` complex or not numeric.

    Examples
    --------
    >>> X = np.array([[0, 1], [1, 1]], dtype=np.float32)
    >>> model = IndependentBernoulli(alpha=1.0).fit(X)
    >>> model.probs_.tolist()
    [0.5, 0.75]
    >>> round(float(model.log_likelihood(X)[0]), 4)   # log(0.5) + log(0.75)
    -0.9808
    """

    def __init__(self, alpha=1.0):
        alpha = float(alpha)
        if not (np.isfinite(alpha) and alpha >= 0):
            raise ValueError(f"alpha must be >= 0 (0: no smoothing); got {alpha!r}")
        self.alpha = alpha

    def fit(self, X):
        rows, self.shape_ = _as_rows(X)
        _check_binary(rows)
        self.probs_ = ((rows.sum(axis=0) + self.alpha) / (rows.shape[0] + 2 * self.alpha)).reshape(self.shape_)
        return self

    def _rows(self, X):
        rows = _fitted_rows(self, X, "probs_")
        _check_binary(rows)
        return rows

    def log_likelihood(self, X):
        """log p(x) in nats, one value per image (shape (N,))."""
        rows = self._rows(X)
        p = self.probs_.ravel()
        with np.errstate(divide="ignore"):  # alpha=0: a pixel never seen on has probability 0
            return np.log(np.where(rows == 1, p, 1 - p)).sum(axis=1)

    def sample(self, n, rng=None):
        """``n`` binary images (float32 {0, 1}), shape (n, *image shape)."""
        if not hasattr(self, "probs_"):
            raise RuntimeError("call fit(X) first")
        n = checks.integer(n, "n")
        return (checks.make_rng(rng).random((n, *self.shape_)) < self.probs_).astype(np.float32)


class BernoulliMixture:
    """A mixture of K independent-Bernoulli images, fitted by expectation-maximisation (EM).

    p(x) = sum_k pi_k prod_d mu_kd^x_d (1 - mu_kd)^(1 - x_d). Each component is one
    "prototype" image of pixel probabilities; a digit is drawn by picking a component
    with probability pi_k and flipping its pixel coins.

    Parameters
    ----------
    n_components : int
    n_iter : int
        EM iterations (each one cannot decrease the smoothed objective, see ``history_``).
    seed : int
        Initialisation: each component starts from the smoothed mean of a random subset.
    alpha : float
        Smoothing pseudo-count per pixel and component (a Beta(alpha+1, alpha+1) prior, MAP
        estimate): ``mu_kd = (sum_n r_nk x_nd + alpha) / (sum_n r_nk + 2 alpha)``, so no
        probability is exactly 0 or 1.

    Attributes
    ----------
    weights_ : ndarray (K,)
    means_ : ndarray (K, *image shape)
        Pixel probabilities of each component.
    history_ : list of float
        Smoothed objective per EM iteration: mean log-likelihood per image (nats) plus the
        log prior divided by N. It never decreases.
    loglik_history_ : list of float
        Mean log-likelihood per training image (nats) at each EM iteration, without the prior
        (what a table reports; it usually rises too, but only ``history_`` is guaranteed to).

    Raises
    ------
    ValueError
        From fit, log_likelihood and responsibilities: ``X`` that is not a batch (N, ...) with N >= 1, holds NaN or
        infinite values, is not binary (0 and 1), or whose items do not have the fitted shape.
    TypeError
        From the same methods: ``X`` complex or not numeric.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.random((50, 6)) < 0.1, rng.random((50, 6)) < 0.9]).astype(np.float32)
    >>> model = BernoulliMixture(n_components=2, n_iter=20, seed=0).fit(X)
    >>> sorted(np.round(model.means_.mean(axis=1), 1).tolist())
    [0.1, 0.9]
    >>> model.sample(3, rng=0).shape
    (3, 6)
    """

    def __init__(self, n_components=10, n_iter=50, seed=0, alpha=1.0):
        self.n_components = checks.integer(n_components, "n_components")
        self.n_iter = checks.integer(n_iter, "n_iter")
        self.seed = checks.integer(seed, "seed", minimum=0)
        self.alpha = float(checks.positive(alpha, "alpha"))

    def _component_loglik(self, rows):
        mu = self.means_.reshape(self.n_components, -1)
        return rows @ np.log(mu).T + (1 - rows) @ np.log1p(-mu).T  # (N, K)

    def fit(self, X):
        from scipy.special import logsumexp

        rows, self.shape_ = _as_rows(X)
        _check_binary(rows)
        n, d = rows.shape
        k = self.n_components
        if n < k:
            raise ValueError(f"need at least n_components={k} images; got {n}")
        gen = np.random.default_rng(self.seed)
        groups = np.array_split(gen.permutation(n), k)
        mu = np.stack([(rows[g].sum(0) + self.alpha) / (len(g) + 2 * self.alpha) for g in groups])
        # random subsets have nearly equal means; mix in one random image each to break symmetry
        seeds = rows[gen.choice(n, size=k, replace=False)]
        mu = 0.75 * mu + 0.25 * (seeds * 0.8 + 0.1)
        self.means_ = mu.reshape(k, *self.shape_)
        self.weights_ = np.full(k, 1.0 / k)
        self.history_ = []
        self.loglik_history_ = []
        for _ in range(self.n_iter):
            # E step: responsibilities r_nk = p(k | x_n)
            joint = self._component_loglik(rows) + np.log(self.weights_)
            total = logsumexp(joint, axis=1)
            mu = self.means_.reshape(k, -1)
            log_prior = self.alpha * float(np.sum(np.log(mu) + np.log1p(-mu)))
            self.history_.append(float(total.mean() + log_prior / n))
            self.loglik_history_.append(float(total.mean()))
            resp = np.exp(joint - total[:, None])
            # M step
            nk = resp.sum(axis=0)
            mu = (resp.T @ rows + self.alpha) / (nk[:, None] + 2 * self.alpha)
            self.means_ = mu.reshape(k, *self.shape_)
            self.weights_ = np.maximum(nk / n, 1e-12)
            self.weights_ /= self.weights_.sum()
        return self

    def _rows(self, X):
        rows = _fitted_rows(self, X, "means_")
        _check_binary(rows)
        return rows

    def log_likelihood(self, X):
        """log p(x) in nats, one value per image (shape (N,))."""
        from scipy.special import logsumexp

        rows = self._rows(X)
        return logsumexp(self._component_loglik(rows) + np.log(self.weights_), axis=1)

    def responsibilities(self, X):
        """p(component k | x) for each image, shape (N, K)."""
        from scipy.special import softmax

        rows = self._rows(X)
        return softmax(self._component_loglik(rows) + np.log(self.weights_), axis=1)

    def sample(self, n, rng=None):
        """``n`` binary images (float32 {0, 1}): a component by its weight, then its pixel coins."""
        if not hasattr(self, "means_"):
            raise RuntimeError("call fit(X) first")
        n = checks.integer(n, "n")
        gen = checks.make_rng(rng)
        comp = gen.choice(self.n_components, size=n, p=self.weights_)
        return (gen.random((n, *self.shape_)) < self.means_[comp]).astype(np.float32)


#: The course's one setting of the binarized ladder's Bernoulli models (notebooks 02 and 05 both
#: report them): mixture sizes, EM iterations (full mode, quick mode), initialisation seed and
#: pseudo-count. Changing it here changes both notebooks.
BERNOULLI_LADDER = {"sizes": (10, 50), "n_iter": (100, 20), "seed": 0, "alpha": 1.0}


def bernoulli_ladder(b_train):
    """The course's Bernoulli models of binarized images, fitted with :data:`BERNOULLI_LADDER`.

    Parameters
    ----------
    b_train : array_like of 0 and 1, shape (N, ...)
        Binarized training images (:func:`binarize`), at least as many as the largest mixture
        has components.

    Returns
    -------
    independent : IndependentBernoulli
    mixtures : dict of int -> BernoulliMixture
        One mixture per size in ``BERNOULLI_LADDER["sizes"]``, each fitted with the first number
        of ``BERNOULLI_LADDER["n_iter"]`` EM iterations (the second in quick mode,
        :func:`helpers.config.pick`).

    Examples
    --------
    >>> X = (np.random.default_rng(0).random((60, 4, 4)) < 0.3).astype(np.float32)
    >>> independent, mixtures = bernoulli_ladder(X)
    >>> sorted(mixtures), mixtures[50].n_iter in BERNOULLI_LADDER["n_iter"]
    ([10, 50], True)
    """
    from .config import pick

    setting = BERNOULLI_LADDER
    n_iter = pick(full=setting["n_iter"][0], quick=setting["n_iter"][1])
    independent = IndependentBernoulli(alpha=setting["alpha"]).fit(b_train)
    mixtures = {k: BernoulliMixture(n_components=k, n_iter=n_iter, seed=setting["seed"],
                                    alpha=setting["alpha"]).fit(b_train)
                for k in setting["sizes"]}
    return independent, mixtures


# --------------------------------------------------------------------------- continuous models


def _floor_variance(value):
    value = float(value)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"min_variance must be positive (it keeps the density proper); got {value!r}")
    return value


class GaussianImageModel:
    """A Gaussian density over whole images (flattened to D numbers), in three flavours.

    ``kind="independent"``
        One Gaussian per pixel, no correlations: a diagonal covariance.
    ``kind="pca"``
        Probabilistic PCA: the ``n_components`` leading directions of the data's covariance
        keep their variances, every other direction gets their mean (the maximum-likelihood
        "noise floor" of Tipping and Bishop). Covariance ``V diag(lam) V^T``.
    ``kind="full"``
        The full sample covariance.

    Every variance is floored at ``min_variance`` (each pixel's variance for ``"independent"``;
    the covariance's eigenvalues, the variances along its principal directions, for ``"pca"``
    and ``"full"``), so the covariance is positive definite and the density proper even where
    all training images agree (MNIST's black border). Fitted
    by maximum likelihood (covariance with ddof=0). Sampling uses the eigen-decomposition
    ``cov = V diag(lam) V^T`` as the square root (for a full covariance this plays the part
    of the Cholesky factor of :func:`mvn_sample`, and gives the principal components too).

    Parameters
    ----------
    kind : {"independent", "pca", "full"}
    n_components : int
        Leading directions kept by ``kind="pca"`` (ignored otherwise).
    min_variance : float
        Variance floor, in squared intensity units.

    Attributes
    ----------
    mean_ : ndarray, shape of one image
    components_ : ndarray (K, *image shape)
        Principal directions ("eigendigits"), largest variance first (pca and full only;
        K = n_components for pca, D for full).
    variances_ : ndarray (D,)
        The model's variance along each eigen-direction (after the floor), largest first.

    Raises
    ------
    ValueError
        From fit, log_likelihood, principal_coordinates and encode (``z`` in decode likewise): ``X`` that is not a batch (N, ...) with N >= 1, holds NaN or
        infinite values, or whose items do not have the fitted shape.
    TypeError
        From the same methods: ``X`` complex or not numeric.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3)) @ np.array([[2.0, 0, 0], [1.0, 1.0, 0], [0, 0, 0.1]])
    >>> model = GaussianImageModel("full").fit(X)
    >>> ll = model.log_likelihood(X[:2])
    >>> ref = mvn_logpdf(X[:2], X.mean(0), np.cov(X.T, ddof=0))
    >>> bool(np.allclose(ll, ref))
    True
    """

    KINDS = ("independent", "pca", "full")

    def __init__(self, kind="pca", n_components=50, min_variance=1e-6):
        if kind not in self.KINDS:
            raise ValueError(f"kind must be one of {self.KINDS}; got {kind!r}")
        self.kind = kind
        self.n_components = checks.integer(n_components, "n_components")
        self.min_variance = _floor_variance(min_variance)

    def fit(self, X):
        rows, self.shape_ = _as_rows(X)
        n, dim = rows.shape
        self.mean_ = rows.mean(axis=0).reshape(self.shape_)
        centred = rows - self.mean_.ravel()
        if self.kind == "independent":
            self.variances_ = np.maximum((centred ** 2).mean(axis=0), self.min_variance)
            self._basis = None
            return self
        if self.kind == "pca" and self.n_components >= dim:
            raise ValueError(f"n_components={self.n_components} must be smaller than D={dim} "
                             "(use kind='full' for all directions)")
        lam, V = np.linalg.eigh(centred.T @ centred / n)
        lam, V = np.maximum(lam[::-1], 0.0), V[:, ::-1]
        if self.kind == "pca":
            q = self.n_components
            lam = np.concatenate([lam[:q], np.full(dim - q, lam[q:].mean())])
            self.components_ = V[:, :q].T.reshape(q, *self.shape_)
        else:
            self.components_ = V.T.reshape(dim, *self.shape_)
        self.variances_ = np.maximum(lam, self.min_variance)
        self._basis = V
        return self

    @property
    def n_dims(self):
        return int(np.prod(self.shape_))

    def _rows(self, X):
        return _fitted_rows(self, X, "mean_")

    def log_likelihood(self, X):
        """log p(x) in nats (a density: it can be positive), one value per image (shape (N,))."""
        rows = self._rows(X) - self.mean_.ravel()
        z = rows if self._basis is None else rows @ self._basis
        lam = self.variances_
        return -0.5 * (np.sum(z * z / lam, axis=1) + np.sum(np.log(lam)) + self.n_dims * math.log(2 * math.pi))

    def sample(self, n, rng=None):
        """``n`` images (float32, not clipped: a Gaussian can leave [0, 1])."""
        if not hasattr(self, "mean_"):
            raise RuntimeError("call fit(X) first")
        n = checks.integer(n, "n")
        eps = checks.make_rng(rng).standard_normal((n, self.n_dims)) * np.sqrt(self.variances_)
        out = eps if self._basis is None else eps @ self._basis.T
        return (out + self.mean_.ravel()).reshape(n, *self.shape_).astype(np.float32)

    def _leading(self, k):
        if self._basis is None:
            raise ValueError("kind='independent' has no principal directions; use 'pca' or 'full'")
        if k > len(self.components_):
            raise ValueError(f"at most {len(self.components_)} coordinates; got {k}")
        return self._basis[:, :k], np.sqrt(self.variances_[:k])

    def principal_coordinates(self, X):
        """Coordinates of centred images along all eigen-directions, (N, D), in intensity units.

        A rotation: ``log_likelihood`` is a sum of independent 1-D Gaussians in these
        coordinates, with variances ``variances_``. Not available for ``kind="independent"``
        (there the pixels themselves are the independent coordinates).
        """
        rows = self._rows(X) - self.mean_.ravel()
        if self._basis is None:
            raise ValueError("kind='independent' has no principal directions; use 'pca' or 'full'")
        return rows @ self._basis

    def encode(self, X, k=None):
        """Coordinates of images on the ``k`` leading directions, in standard deviations."""
        rows = self._rows(X) - self.mean_.ravel()
        k = len(self.components_) if k is None else checks.integer(k, "k")
        V, s = self._leading(k)
        return rows @ V / s

    def decode(self, z):
        """The image ``mean + sum_i z_i sqrt(lam_i) v_i`` for coordinates ``z`` (in standard deviations).

        ``z`` has shape (k,) or (N, k) for the k leading directions: the other directions
        are left at the mean (no noise is added). float32, not clipped.
        """
        if not hasattr(self, "mean_"):
            raise RuntimeError("call fit(X) first")
        z = checks.finite(z, "z", nonempty=True)
        single = z.ndim == 1
        z2 = z[None] if single else z
        if z2.ndim != 2:
            raise ValueError(f"z must have shape (k,) or (N, k); got {z.shape}")
        V, s = self._leading(z2.shape[1])
        out = ((z2 * s) @ V.T + self.mean_.ravel()).reshape(len(z2), *self.shape_).astype(np.float32)
        return out[0] if single else out


class PCAGaussianMixture:
    """A Gaussian mixture on the leading principal coordinates, one Gaussian on the rest.

    The images are rotated into their principal coordinates c = V^T (x - mean) (a rotation:
    no volume change, so densities carry over unchanged). The ``n_pca`` leading coordinates,
    where the digits' shapes live, get a ``n_components``-Gaussian mixture with full
    covariances (scikit-learn's :class:`~sklearn.mixture.GaussianMixture`, seeded, with
    ``reg_covar=min_variance``); the remaining coordinates get independent Gaussians with
    their own variances (floored at ``min_variance``). With one component this is exactly
    ``GaussianImageModel("full", min_variance=...)``.

    Parameters
    ----------
    n_components : int
        Mixture components.
    n_pca : int
        Leading principal coordinates modelled by the mixture.
    min_variance : float
        Variance floor (and the mixture's ``reg_covar``).
    max_iter : int
        EM iterations of the mixture.
    seed : int

    Attributes
    ----------
    mixture_ : sklearn.mixture.GaussianMixture
    pca_ : GaussianImageModel
        The full-covariance model whose eigen-directions give the coordinates.

    Raises
    ------
    ValueError
        From fit and log_likelihood: ``X`` that is not a batch (N, ...) with N >= 1, holds NaN or
        infinite values, or whose items do not have the fitted shape.
    TypeError
        From the same methods: ``X`` complex or not numeric.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(-2, 0.3, (200, 4)), rng.normal(2, 0.3, (200, 4))])
    >>> two = PCAGaussianMixture(n_components=2, n_pca=2, seed=0).fit(X)
    >>> one = GaussianImageModel("full").fit(X)
    >>> bool(two.log_likelihood(X).mean() > one.log_likelihood(X).mean())
    True
    >>> two.sample(5, rng=0).shape
    (5, 4)
    """

    def __init__(self, n_components=10, n_pca=50, min_variance=1e-4, max_iter=100, seed=0):
        self.n_components = checks.integer(n_components, "n_components")
        self.n_pca = checks.integer(n_pca, "n_pca")
        self.min_variance = _floor_variance(min_variance)
        self.max_iter = checks.integer(max_iter, "max_iter")
        self.seed = checks.integer(seed, "seed", minimum=0)

    def fit(self, X):
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.mixture import GaussianMixture

        rows, self.shape_ = _as_rows(X)
        if self.n_pca >= rows.shape[1]:
            raise ValueError(f"n_pca={self.n_pca} must be smaller than D={rows.shape[1]}")
        self.pca_ = GaussianImageModel("full", min_variance=self.min_variance).fit(X)  # keeps the image shape
        coords = (rows - self.pca_.mean_.ravel()) @ self.pca_._basis
        self.mixture_ = GaussianMixture(self.n_components, covariance_type="full",
                                        reg_covar=self.min_variance, max_iter=self.max_iter,
                                        n_init=1, random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is a budget here
            self.mixture_.fit(coords[:, :self.n_pca])
        return self

    def _coords(self, X):
        rows = _fitted_rows(self, X, "mixture_")
        return (rows - self.pca_.mean_.ravel()) @ self.pca_._basis

    def log_likelihood(self, X):
        """log p(x) in nats (a density), one value per image (shape (N,))."""
        c = self._coords(X)
        q = self.n_pca
        lam = self.pca_.variances_[q:]
        rest = -0.5 * (np.sum(c[:, q:] ** 2 / lam, axis=1) + np.sum(np.log(lam)) + lam.size * math.log(2 * math.pi))
        return self.mixture_.score_samples(c[:, :q]) + rest

    def sample(self, n, rng=None, noise=True):
        """``n`` images (float32, not clipped).

        A component is drawn by its weight, its leading coordinates by :func:`mvn_sample`
        (Cholesky). ``noise=False`` leaves the other coordinates at 0 (the mean image's
        value): the smooth part of the sample without the fine-grained remainder.
        """
        if not hasattr(self, "mixture_"):
            raise RuntimeError("call fit(X) first")
        n = checks.integer(n, "n")
        gen = checks.make_rng(rng)
        gmm = self.mixture_
        comp = gen.choice(self.n_components, size=n, p=gmm.weights_ / gmm.weights_.sum())
        dim = self.pca_.n_dims
        c = np.zeros((n, dim))
        for k in np.unique(comp):
            idx = np.flatnonzero(comp == k)
            c[idx, :self.n_pca] = mvn_sample(gmm.means_[k], gmm.covariances_[k], len(idx), rng=gen)
        if noise:
            c[:, self.n_pca:] = gen.standard_normal((n, dim - self.n_pca)) * np.sqrt(self.pca_.variances_[self.n_pca:])
        out = c @ self.pca_._basis.T + self.pca_.mean_.ravel()
        return out.reshape(n, *self.shape_).astype(np.float32)
