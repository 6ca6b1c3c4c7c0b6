"""Full-reference image quality: PSNR and SSIM of a test image against a clean reference.

NumPy and scikit-image only (no TensorFlow). Notebook 01 measures noise and denoising with them.
"""

from __future__ import annotations

import numpy as np


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
