"""helpers.image_quality PSNR/SSIM wrappers: known values, agreement with scikit-image, bad input."""

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from helpers.image_quality import psnr, ssim


@pytest.fixture(scope="module")
def camera():
    import skimage.data

    return skimage.data.camera().astype(np.float32) / np.float32(255)


def test_psnr_known_values():
    clean = np.full((16, 16), 0.5)
    assert psnr(clean, clean + 0.1) == pytest.approx(20.0)
    assert psnr(clean, clean + 0.01) == pytest.approx(40.0)
    assert psnr(clean, clean) == float("inf")
    assert psnr(clean, clean + 0.1, data_range=2.0) == pytest.approx(20.0 + 20 * np.log10(2))


@pytest.mark.parametrize("sigma", [0.05, 0.1, 0.2])
def test_psnr_of_unclipped_gaussian_noise_is_minus_20_log10_sigma(camera, sigma):
    noisy = camera + np.random.default_rng(0).normal(0, sigma, camera.shape)
    assert psnr(camera, noisy) == pytest.approx(-20 * np.log10(sigma), abs=0.05)


def test_psnr_and_ssim_agree_with_skimage(camera):
    noisy = np.clip(camera + np.random.default_rng(1).normal(0, 0.1, camera.shape), 0, 1)
    assert psnr(camera, noisy) == pytest.approx(peak_signal_noise_ratio(camera, noisy, data_range=1))
    assert ssim(camera, noisy) == pytest.approx(structural_similarity(camera, noisy, data_range=1))


def test_ssim_properties(camera):
    rng = np.random.default_rng(2)
    assert ssim(camera, camera) == pytest.approx(1.0)
    assert abs(ssim(rng.random((64, 64)), rng.random((64, 64)))) < 0.1
    values = [ssim(camera, np.clip(camera + rng.normal(0, s, camera.shape), 0, 1)) for s in (0.02, 0.1, 0.3)]
    assert values[0] > values[1] > values[2]


def test_colour_images(camera):
    colour = np.stack([camera] * 3, axis=-1)
    noisy = np.clip(colour + np.random.default_rng(3).normal(0, 0.1, colour.shape), 0, 1)
    assert 0 < ssim(colour, noisy) < 1
    assert psnr(colour, noisy) == pytest.approx(20.0, abs=1.0)


GOOD = np.full((16, 16), 0.5)


@pytest.mark.parametrize("reference, test, kwargs, error, words", [
    (GOOD, np.full((16, 8), 0.5), {}, ValueError, "differ in shape"),
    (GOOD, np.full((16, 16), 1, dtype=np.int64), {}, TypeError, "float"),
    (GOOD, np.full((16, 16), np.nan), {}, ValueError, "NaN"),
    (np.zeros(16), np.zeros(16), {}, ValueError, "shape"),
    (GOOD, GOOD, {"data_range": 0}, ValueError, "data_range"),
    (GOOD, GOOD, {"data_range": np.nan}, ValueError, "data_range"),
])
def test_bad_input(reference, test, kwargs, error, words):
    for fn in (psnr, ssim):
        with pytest.raises(error, match=words):
            fn(reference, test, **kwargs)


def test_ssim_needs_a_7x7_window():
    with pytest.raises(ValueError, match="7x7"):
        ssim(np.zeros((5, 5)), np.zeros((5, 5)))
