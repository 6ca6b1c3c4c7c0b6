"""Noise models on float images in [0, 1], and images made of noise alone.

Conventions
-----------
- **Input**: an image of shape (H, W), (H, W, C) or a batch (N, H, W[, C]), checked by the
  course's one rule (:func:`helpers.checks.float_image`, as :func:`helpers.data.to_float`):
  float in [0, 1] (values outside or NaN raise ``ValueError``; nothing is clipped silently),
  **uint8 converted explicitly** by dividing by 255, so ``gaussian_noise(uint8_image, 0.1)``
  adds noise of 0.1 * 255 = 25.5 grey levels and can never wrap around, bool as 0/1; every
  other dtype raises ``TypeError``.
- **Output**: always float32, same shape as the input.
- **clip**: every function that can leave [0, 1] has an explicit ``clip`` argument.
  ``clip=True`` (default) returns a displayable image in [0, 1] -- but then the added
  noise is no longer exactly the model's noise near black and white. ``clip=False``
  returns the exact model, values may lie outside [0, 1].
- **Randomness**: ``rng`` is a seed (int), a :class:`numpy.random.Generator`, or
  ``None`` (fresh entropy), as everywhere in the course (:func:`helpers.checks.make_rng`).
  The same seed gives the same noise.
- Noise levels are in units of the [0, 1] intensity scale: ``sigma=0.1`` is one
  tenth of the range from black to white (25.5 grey levels of an 8-bit image).

Noise added to an image: :func:`gaussian_noise`, :func:`uniform_noise`,
:func:`salt_and_pepper_noise`, :func:`poisson_noise`, :func:`speckle_noise` and the
dispatcher :func:`add_noise`. Images from nothing: :func:`white_noise`,
:func:`colored_noise` (1/f^beta spectrum, "pink" for beta=1), :func:`value_noise`
(fractal value noise for textures), with :func:`radial_power_spectrum` and
:func:`spectral_exponent` to measure the result. :func:`estimate_noise_sigma`
estimates the std of Gaussian noise from one noisy image.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import checks

NOISE_KINDS = ("gaussian", "uniform", "salt_and_pepper", "poisson", "speckle")

__all__ = [
    "NOISE_KINDS", "uniform_half_width", "uniform_std",
    "gaussian_noise", "uniform_noise", "salt_and_pepper_noise", "poisson_noise",
    "speckle_noise", "add_noise", "white_noise", "colored_noise", "value_noise",
    "radial_power_spectrum", "spectral_exponent", "estimate_noise_sigma",
]


# --------------------------------------------------------------------------- validation


def _finish(noisy, clip):
    if checks.flag(clip, "clip"):
        np.clip(noisy, 0.0, 1.0, out=noisy)
    return noisy.astype(np.float32, copy=False)


def _shape(shape):
    if isinstance(shape, numbers.Integral):
        shape = (shape, shape)
    shape = tuple(shape)
    if len(shape) < 2 or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0
                                 for s in shape):
        raise ValueError(f"shape must be positive integers (H, W) or (H, W, C); got {shape!r}")
    return tuple(int(s) for s in shape)


# --------------------------------------------------------------------------- additive noise


def uniform_half_width(std):
    """Half-width ``a`` of the uniform distribution U(-a, a) with standard deviation ``std``.

    A uniform variable on [-a, a] has variance a^2 / 3, so a = std * sqrt(3).

    Examples
    --------
    >>> round(uniform_half_width(0.1), 4)
    0.1732
    """
    return checks.real(std, "std", low=0.0) * float(np.sqrt(3.0))


def uniform_std(half_width):
    """Standard deviation of U(-a, a): ``a / sqrt(3)``.

    Examples
    --------
    >>> round(uniform_std(0.1), 4)
    0.0577
    """
    return checks.real(half_width, "half_width", low=0.0) / float(np.sqrt(3.0))


def gaussian_noise(image, sigma, mean=0.0, clip=True, rng=None):
    """Add Gaussian noise N(mean, sigma^2) to every pixel independently.

    Parameters
    ----------
    image : array_like
        Float image in [0, 1] (uint8 is divided by 255).
    sigma : float
        Standard deviation, in units of the [0, 1] scale; >= 0.
    mean : float
        Mean of the noise (0 leaves the brightness unchanged on average).
    clip : bool
        Clip the result to [0, 1].
    rng : int, numpy.random.Generator or None
        Seed or generator.

    Returns
    -------
    ndarray of float32, same shape as ``image``

    Examples
    --------
    >>> clean = np.full((256, 256), 0.5, dtype=np.float32)
    >>> noisy = gaussian_noise(clean, sigma=0.1, rng=0)
    >>> noisy.dtype, round(float((noisy - clean).std()), 2)
    (dtype('float32'), 0.1)
    """
    image = checks.float_image(image, "image", min_ndim=2)
    sigma = checks.real(sigma, "sigma", low=0.0)
    mean = checks.real(mean, "mean")
    noise = checks.make_rng(rng).normal(mean, sigma, size=image.shape).astype(np.float32)
    return _finish(image + noise, clip)


def uniform_noise(image, half_width=None, *, std=None, clip=True, rng=None):
    """Add uniform noise U(-a, a), given by its half-width ``a`` or by its ``std``.

    The two parametrisations differ by sqrt(3): ``std = half_width / sqrt(3)``.
    ``np.random.uniform(-s, s)`` has standard deviation s/sqrt(3) (0.58 s), *not* s;
    pass ``std=s`` to get noise as strong as Gaussian noise of sigma s.

    Parameters
    ----------
    image : array_like
        Float image in [0, 1] (uint8 is divided by 255).
    half_width : float, optional
        ``a >= 0``: the noise is uniform on [-a, a].
    std : float, optional (keyword only)
        Standard deviation instead; give exactly one of ``half_width`` and ``std``.
    clip : bool
        Clip the result to [0, 1].
    rng : int, numpy.random.Generator or None

    Examples
    --------
    >>> clean = np.full((256, 256), 0.5, dtype=np.float32)
    >>> round(float((uniform_noise(clean, 0.2, rng=0) - clean).std()), 3)   # 0.2 / sqrt(3)
    0.115
    >>> round(float((uniform_noise(clean, std=0.2, rng=0) - clean).std()), 3)
    0.2
    """
    image = checks.float_image(image, "image", min_ndim=2)
    if (half_width is None) == (std is None):
        raise ValueError("give exactly one of half_width and std")
    a = uniform_half_width(std) if std is not None else checks.real(half_width, "half_width", low=0.0)
    noise = checks.make_rng(rng).uniform(-a, a, size=image.shape).astype(np.float32)
    return _finish(image + noise, clip)


def salt_and_pepper_noise(image, amount, salt_vs_pepper=0.5, rng=None):
    """Replace a fraction ``amount`` of the values by 1 (salt) or 0 (pepper).

    Models dead/hot pixels and bit errors in transmission. The result stays in [0, 1],
    so there is no ``clip`` argument. For a colour image each channel value is
    chosen independently (like :func:`skimage.util.random_noise`).

    Parameters
    ----------
    amount : float
        Fraction of values replaced, in [0, 1].
    salt_vs_pepper : float
        Fraction of the replaced values that become salt (1), in [0, 1].

    Examples
    --------
    >>> out = salt_and_pepper_noise(np.full((100, 100), 0.5), amount=0.1, rng=0)
    >>> round(float(np.mean(out != 0.5)), 2)
    0.1
    """
    image = checks.float_image(image, "image", min_ndim=2)
    amount = checks.real(amount, "amount", low=0.0, high=1.0)
    salt_vs_pepper = checks.real(salt_vs_pepper, "salt_vs_pepper", low=0.0, high=1.0)
    gen = checks.make_rng(rng)
    u = gen.random(image.shape)
    out = image.copy()
    out[u < amount * salt_vs_pepper] = 1.0
    out[(u >= amount * salt_vs_pepper) & (u < amount)] = 0.0
    return out


def poisson_noise(image, photons, clip=True, rng=None):
    """Shot noise: each pixel counts Poisson(photons * value) photons, divided by ``photons``.

    ``photons`` is the number of photons a white pixel collects on average. The noise
    is signal-dependent: its variance is value / photons, so dark regions are less
    noisy in absolute terms and the relative noise falls as 1/sqrt(photons * value).

    Parameters
    ----------
    photons : float
        Expected photon count of a white pixel; > 0.
    clip : bool
        Clip to [0, 1] (bright pixels can count more photons than ``photons``).

    Examples
    --------
    >>> clean = np.full((200, 200), 0.25, dtype=np.float32)
    >>> noisy = poisson_noise(clean, photons=100, clip=False, rng=0)
    >>> round(float(noisy.var() * 100 / 0.25), 1)   # variance = value / photons
    1.0
    """
    image = checks.float_image(image, "image", min_ndim=2)
    photons = checks.real(photons, "photons", low=0.0, low_open=True)
    counts = checks.make_rng(rng).poisson(image.astype(np.float64) * photons)
    return _finish((counts / photons).astype(np.float32), clip)


def speckle_noise(image, sigma, clip=True, rng=None):
    """Multiplicative noise: ``image * (1 + n)`` with n ~ N(0, sigma^2).

    Speckle comes from coherent imaging (ultrasound, radar, laser light): the noise
    is proportional to the signal, so black stays black.

    Examples
    --------
    >>> noisy = speckle_noise(np.zeros((8, 8)), sigma=0.5, rng=0)
    >>> float(noisy.max())
    0.0
    """
    image = checks.float_image(image, "image", min_ndim=2)
    sigma = checks.real(sigma, "sigma", low=0.0)
    n = checks.make_rng(rng).normal(0.0, sigma, size=image.shape).astype(np.float32)
    return _finish(image + image * n, clip)


def add_noise(image, kind, level, clip=True, rng=None):
    """Add noise of one of :data:`NOISE_KINDS` with one strength parameter ``level``.

    ``level`` means: the standard deviation for ``"gaussian"``, ``"uniform"`` (std, not
    half-width) and ``"speckle"``; the fraction of replaced values for
    ``"salt_and_pepper"``; and for ``"poisson"`` the std of the noise at mid-grey,
    i.e. ``photons = 0.5 / level**2`` (so that every kind is comparable on one slider).

    Examples
    --------
    >>> img = np.full((64, 64), 0.5, dtype=np.float32)
    >>> [add_noise(img, k, 0.1, rng=0).shape for k in NOISE_KINDS][0]
    (64, 64)
    """
    if kind not in NOISE_KINDS:
        raise ValueError(f"kind must be one of {NOISE_KINDS}; got {kind!r}")
    level = checks.real(level, "level", low=0.0)
    if kind == "gaussian":
        return gaussian_noise(image, level, clip=clip, rng=rng)
    if kind == "uniform":
        return uniform_noise(image, std=level, clip=clip, rng=rng)
    if kind == "speckle":
        return speckle_noise(image, level, clip=clip, rng=rng)
    if kind == "salt_and_pepper":
        checks.flag(clip, "clip")
        return salt_and_pepper_noise(image, level, rng=rng)  # level > 1 raises there
    if level == 0:
        return _finish(checks.float_image(image, "image", min_ndim=2).copy(), clip)
    return poisson_noise(image, 0.5 / level**2, clip=clip, rng=rng)


# --------------------------------------------------------------------------- images from noise


def white_noise(shape, distribution="uniform", mean=0.5, std=None, clip=True, rng=None):
    """An image of independent random pixels (a flat power spectrum).

    Parameters
    ----------
    shape : int or tuple
        (H, W) or (H, W, C); an int means a square.
    distribution : {"uniform", "gaussian"}
        ``"uniform"``: values uniform on [mean - sqrt(3) std, mean + sqrt(3) std], by default on
        [0, 1] (std = 1/sqrt(12)). ``"gaussian"``: N(mean, std^2), std 1/6 by default.
    clip : bool
        Clip to [0, 1].

    Examples
    --------
    >>> img = white_noise((128, 128), rng=0)
    >>> img.dtype, bool(img.min() >= 0 and img.max() <= 1)
    (dtype('float32'), True)
    """
    shape = _shape(shape)
    mean = checks.real(mean, "mean")
    gen = checks.make_rng(rng)
    if distribution == "uniform":
        std = 1.0 / np.sqrt(12.0) if std is None else checks.real(std, "std", low=0.0)
        a = std * np.sqrt(3.0)
        values = gen.uniform(mean - a, mean + a, size=shape)
    elif distribution == "gaussian":
        std = 1.0 / 6.0 if std is None else checks.real(std, "std", low=0.0)
        values = gen.normal(mean, std, size=shape)
    else:
        raise ValueError(f"distribution must be 'uniform' or 'gaussian'; got {distribution!r}")
    return _finish(values.astype(np.float32), clip)


def _normalise(field, contrast):
    """Map a zero-mean field to [0, 1]: mean 0.5, std ``contrast``, then clipped."""
    std = field.std()
    field = field - field.mean()
    if std > 0:
        field = field / std
    return np.clip(0.5 + contrast * field, 0.0, 1.0).astype(np.float32)


def colored_noise(shape, beta=1.0, contrast=0.15, rng=None):
    """Correlated noise with power spectrum proportional to 1/f^beta, by spectral filtering.

    White Gaussian noise is transformed with the FFT, each frequency's amplitude is
    multiplied by f^(-beta/2) (power by f^-beta), the zero frequency is removed and the
    result is transformed back. beta = 0 is white noise, 1 "pink", 2 "brown/red" noise;
    natural photographs have beta close to 2. The field is periodic (it tiles seamlessly).

    Parameters
    ----------
    shape : int or (H, W)
    beta : float
        Spectral exponent, in [0, 6].
    contrast : float
        Standard deviation of the result around mid-grey 0.5 (values are then clipped
        to [0, 1]; with the default 0.15 fewer than 0.1% are).
    rng : int, numpy.random.Generator or None

    Examples
    --------
    >>> img = colored_noise((256, 256), beta=2.0, rng=0)
    >>> abs(spectral_exponent(img) - 2.0) < 0.2
    True
    """
    shape = _shape(shape)
    if len(shape) != 2:
        raise ValueError(f"colored_noise makes grey images: shape must be (H, W); got {shape}")
    beta = checks.real(beta, "beta", low=0.0, high=6.0)
    contrast = checks.real(contrast, "contrast", low=0.0)
    white = checks.make_rng(rng).standard_normal(shape)
    spectrum = np.fft.rfft2(white)
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.rfftfreq(shape[1])[None, :]
    f = np.hypot(fy, fx)
    f[0, 0] = 1.0
    spectrum *= f ** (-beta / 2.0)
    spectrum[0, 0] = 0.0
    return _normalise(np.fft.irfft2(spectrum, s=shape), contrast)


def _smooth_lattice(gen, shape, cell):
    """Random values on a grid of spacing ``cell`` pixels, interpolated with smoothstep."""
    h, w = shape
    ny, nx = int(np.ceil(h / cell)) + 2, int(np.ceil(w / cell)) + 2
    lattice = gen.random((ny, nx))
    y = np.arange(h) / cell
    x = np.arange(w) / cell
    y0, x0 = np.floor(y).astype(int), np.floor(x).astype(int)
    ty, tx = y - y0, x - x0
    ty, tx = ty * ty * (3 - 2 * ty), tx * tx * (3 - 2 * tx)  # smoothstep: no creases
    a = lattice[np.ix_(y0, x0)]
    b = lattice[np.ix_(y0, x0 + 1)]
    c = lattice[np.ix_(y0 + 1, x0)]
    d = lattice[np.ix_(y0 + 1, x0 + 1)]
    top = a + (b - a) * tx[None, :]
    bottom = c + (d - c) * tx[None, :]
    return top + (bottom - top) * ty[:, None]


def value_noise(shape, scale=64.0, octaves=5, persistence=0.5, contrast=0.15, rng=None):
    """Fractal value noise: smooth random textures (clouds, terrain, marble) for procedural art.

    Octave k puts random values on a grid of spacing ``scale / 2**k`` pixels and
    interpolates them smoothly; the octaves are summed with amplitudes
    ``persistence**k``. Large ``persistence`` keeps more fine detail (rougher texture).

    Parameters
    ----------
    shape : int or (H, W)
    scale : float
        Size in pixels of the largest features (grid spacing of octave 0); >= 1.
    octaves : int
        Number of octaves, 1 to 12.
    persistence : float
        Amplitude ratio between successive octaves, in (0, 1].
    contrast : float
        Standard deviation of the result around 0.5 (then clipped to [0, 1]).

    Examples
    --------
    >>> tex = value_noise((128, 128), scale=32, rng=0)
    >>> tex.shape, tex.dtype
    ((128, 128), dtype('float32'))
    """
    shape = _shape(shape)
    if len(shape) != 2:
        raise ValueError(f"value_noise makes grey images: shape must be (H, W); got {shape}")
    scale = checks.real(scale, "scale", low=1.0)
    if not 1 <= checks.integer(octaves, "octaves") <= 12:
        raise ValueError(f"octaves must be an integer from 1 to 12; got {octaves!r}")
    persistence = checks.real(persistence, "persistence", low=0.0, high=1.0, low_open=True)
    contrast = checks.real(contrast, "contrast", low=0.0)
    gen = checks.make_rng(rng)
    total = np.zeros(shape)
    amplitude = 1.0
    for k in range(int(octaves)):
        cell = max(scale / 2**k, 1.0)
        total += amplitude * (_smooth_lattice(gen, shape, cell) - 0.5)
        amplitude *= persistence
    return _normalise(total, contrast)


# --------------------------------------------------------------------------- measuring spectra


def radial_power_spectrum(image, nbins=None):
    """Power spectrum of a grey image averaged over rings of equal frequency.

    Returns
    -------
    freqs, power : ndarray
        Frequencies in cycles per pixel (0, 0.5], and the mean power |F|^2 in each ring.

    Examples
    --------
    >>> f, p = radial_power_spectrum(np.random.default_rng(0).random((64, 64)))
    >>> f.shape == p.shape, float(f.max()) <= 0.5
    (True, True)
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2 or min(image.shape) < 4:
        raise ValueError(f"image must be a grey image (H, W) of at least 4x4; got shape {image.shape}")
    if not np.isfinite(image).all():
        raise ValueError("image contains NaN or infinite values")
    power = np.abs(np.fft.fft2(image - image.mean())) ** 2 / image.size
    f = np.hypot(np.fft.fftfreq(image.shape[0])[:, None], np.fft.fftfreq(image.shape[1])[None, :])
    nbins = nbins or min(image.shape) // 2
    edges = np.linspace(0.0, 0.5, nbins + 1)
    which = np.digitize(f.ravel(), edges) - 1
    keep = (f.ravel() > 0) & (which < nbins)
    sums = np.bincount(which[keep], power.ravel()[keep], minlength=nbins)
    counts = np.bincount(which[keep], minlength=nbins)
    ok = counts > 0
    centres = 0.5 * (edges[:-1] + edges[1:])
    return centres[ok], sums[ok] / counts[ok]


def spectral_exponent(image, fmin=0.01, fmax=0.25):
    """Estimate beta in power ~ 1/f^beta by a straight-line fit in log-log coordinates.

    Only frequencies between ``fmin`` and ``fmax`` cycles/pixel are used (the lowest
    have few samples, the highest are affected by pixelation and clipping).

    Examples
    --------
    >>> abs(spectral_exponent(np.random.default_rng(0).random((256, 256)))) < 0.1
    True
    """
    f, p = radial_power_spectrum(image)
    keep = (f >= fmin) & (f <= fmax) & (p > 0)
    if keep.sum() < 3:
        raise ValueError("image too small to fit a spectral exponent")
    slope = np.polyfit(np.log(f[keep]), np.log(p[keep]), 1)[0]
    return float(-slope)


def estimate_noise_sigma(image):
    """Estimate the std of additive white Gaussian noise from a single image.

    Donoho's robust wavelet estimator: the finest diagonal detail coefficients of an
    orthonormal wavelet transform are mostly noise (natural images have little energy
    there), so sigma ~ median(|HH|) / 0.6745, where 0.6745 is the median of |N(0, 1)|.
    This uses the Haar wavelet, HH = (a - b - c + d) / 2 on each 2x2 block, so it needs
    only NumPy; :func:`skimage.restoration.estimate_sigma` applies the same rule to a
    Daubechies wavelet (and needs PyWavelets). Colour images: the mean over channels.

    Examples
    --------
    >>> clean = np.full((256, 256), 0.5, dtype=np.float32)
    >>> noisy = gaussian_noise(clean, 0.08, clip=False, rng=0)
    >>> abs(estimate_noise_sigma(noisy) - 0.08) < 0.003
    True
    """
    arr = checks.float_image(image, "image", unit_range=False)   # noisy images may leave [0, 1]
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):
        return float(np.mean([estimate_noise_sigma(arr[..., c]) for c in range(3)]))
    if arr.ndim != 2 or min(arr.shape) < 4:
        raise ValueError(f"image must be (H, W) or (H, W, 3) of at least 4x4; got shape {arr.shape}")
    h, w = arr.shape[0] // 2 * 2, arr.shape[1] // 2 * 2
    x = arr[:h, :w].astype(np.float64)
    hh = (x[0::2, 0::2] - x[0::2, 1::2] - x[1::2, 0::2] + x[1::2, 1::2]) / 2.0
    return float(np.median(np.abs(hh)) / 0.6744897501960817)
