"""Measuring images and generative models.

Image quality (PSNR, SSIM) needs only NumPy and scikit-image. Anything that
needs TensorFlow (FID/KID features) imports it inside the function that uses it,
so that ``import helpers.metrics`` stays fast.
"""

from __future__ import annotations

import numpy as np
