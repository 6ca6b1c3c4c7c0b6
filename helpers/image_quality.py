"""Full-reference image quality: PSNR and SSIM of a test image against a clean reference.

NumPy and scikit-image only (no TensorFlow). Notebook 01 measures noise and denoising with them.
"""

from __future__ import annotations

import numpy as np

from . import checks

def _quality_pair(reference, test):
    """Validate two images for a full-reference quality measure; return them as float64.

    Both follow :func:`helpers.checks.float_image` (uint8 divided by 255); ``test`` may leave
    [0, 1] (unclipped noise), ``reference`` may not.
    """
    ref = checks.float_image(reference, "reference", min_ndim=2)
    tst = checks.float_image(test, "test", min_ndim=2, unit_range=False)
    for name, arr in (("reference", ref), ("test", tst)):
        if arr.ndim not in (2, 3):
            raise ValueError(f"{name} must have shape (H, W) or (H, W, C); got {arr.shape}")
    if ref.shape != tst.shape:
        raise ValueError(f"reference and test differ in shape: {ref.shape} vs {tst.shape}")
    return ref.astype(np.float64), tst.astype(np.float64)


def psnr(reference, test, data_range=1.0):
    """Peak signal-to-noise ratio in decibels: ``10 log10(data_range^2 / MSE)``.

    Parameters
    ----------
    reference, test : array_like, shape (H, W) or (H, W, C)
        The clean image and the image to judge: float, or uint8 divided by 255
        (:func:`helpers.checks.float_image`). Values are not clipped; ``test`` may lie
        outside [0, 1] (unclipped noise), the reference may not.
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
    data_range = checks.real(data_range, "data_range", low=0, low_open=True)
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
    data_range = checks.real(data_range, "data_range", low=0, low_open=True)
    if min(ref.shape[:2]) < 7:
        raise ValueError(f"images must be at least 7x7 for SSIM's window; got {ref.shape}")
    if ref.ndim == 3:
        kwargs.setdefault("channel_axis", -1)
    return float(structural_similarity(ref, tst, data_range=data_range, **kwargs))
