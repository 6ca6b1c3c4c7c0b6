"""helpers.noise: measured statistics match the models, clipping, reproducibility, skimage agreement, bad input.

Statistical tolerances: with N = 512*512 = 262,144 samples the standard error of a
sample mean is sigma/512 and of a sample std about 0.14% of sigma; the tolerances
below are at least 5 standard errors, and the seeds are fixed, so these tests are
deterministic yet would fail for a wrong factor (e.g. sqrt(3)) or a wrong model.
"""

import numpy as np
import pytest
from scipy import stats
from skimage.util import random_noise

from helpers import noise

N_SIDE = 512


@pytest.fixture(scope="module")
def camera():
    import skimage.data

    return skimage.data.camera().astype(np.float32) / np.float32(255)


def grey(value, side=N_SIDE):
    return np.full((side, side), value, dtype=np.float32)


# --------------------------------------------------------------------------- statistics


@pytest.mark.parametrize("sigma", [0.02, 0.1, 0.3])
def test_gaussian_noise_has_the_requested_mean_std_and_shape(sigma):
    clean = grey(0.5)
    diff = (noise.gaussian_noise(clean, sigma, clip=False, rng=1) - clean).ravel()
    assert abs(diff.mean()) < 5 * sigma / N_SIDE
    assert diff.std() == pytest.approx(sigma, rel=0.01)
    assert stats.kstest(diff, "norm", args=(0, sigma)).pvalue > 1e-3
    assert abs(stats.skew(diff)) < 0.03 and abs(stats.kurtosis(diff)) < 0.05


def test_gaussian_noise_mean_shifts_brightness():
    diff = noise.gaussian_noise(grey(0.5), 0.05, mean=0.1, clip=False, rng=2) - 0.5
    assert diff.mean() == pytest.approx(0.1, abs=1e-3)


def test_uniform_noise_by_half_width_has_std_half_width_over_sqrt3():
    a = 0.2
    diff = (noise.uniform_noise(grey(0.5), a, clip=False, rng=3) - 0.5).ravel()
    assert np.abs(diff).max() <= a + 1e-6
    assert np.abs(diff).max() > 0.99 * a
    assert diff.std() == pytest.approx(a / np.sqrt(3), rel=0.01)
    assert stats.kstest(diff, "uniform", args=(-a, 2 * a)).pvalue > 1e-3


def test_uniform_noise_by_std_matches_gaussian_std():
    diff = (noise.uniform_noise(grey(0.5), std=0.1, clip=False, rng=4) - 0.5).ravel()
    assert diff.std() == pytest.approx(0.1, rel=0.01)
    assert np.abs(diff).max() == pytest.approx(0.1 * np.sqrt(3), rel=0.01)


def test_uniform_parametrisations_are_inverse():
    assert noise.uniform_std(noise.uniform_half_width(0.07)) == pytest.approx(0.07)
    assert noise.uniform_half_width(1.0) == pytest.approx(np.sqrt(3))


@pytest.mark.parametrize("amount, svp", [(0.05, 0.5), (0.2, 0.8), (1.0, 0.0)])
def test_salt_and_pepper_replaces_the_requested_fractions(amount, svp):
    out = noise.salt_and_pepper_noise(grey(0.5), amount, salt_vs_pepper=svp, rng=5)
    assert np.mean(out == 1.0) == pytest.approx(amount * svp, abs=0.003)
    assert np.mean(out == 0.0) == pytest.approx(amount * (1 - svp), abs=0.003)
    assert np.all((out == 0) | (out == 1) | (out == 0.5))


@pytest.mark.parametrize("value, photons", [(0.3, 50), (0.8, 1000), (0.05, 20)])
def test_poisson_noise_mean_equals_signal_and_variance_signal_over_photons(value, photons):
    out = noise.poisson_noise(grey(value), photons, clip=False, rng=6)
    assert out.mean() == pytest.approx(value, abs=5 * np.sqrt(value / photons) / N_SIDE)
    assert out.var() == pytest.approx(value / photons, rel=0.02)
    counts = np.rint(out.ravel() * photons).astype(int)
    assert np.allclose(counts / photons, out.ravel(), atol=1e-5)  # integer photon counts


def test_poisson_noise_is_signal_dependent(camera):
    dark, bright = grey(0.1, 256), grey(0.9, 256)
    assert noise.poisson_noise(bright, 100, clip=False, rng=0).std() > \
        2.5 * noise.poisson_noise(dark, 100, clip=False, rng=0).std()


def test_speckle_noise_is_multiplicative():
    out = noise.speckle_noise(grey(0.4), 0.2, clip=False, rng=7)
    assert (out - 0.4).std() == pytest.approx(0.4 * 0.2, rel=0.01)
    assert abs((out - 0.4).mean()) < 0.002
    assert np.all(noise.speckle_noise(grey(0.0, 16), 0.5, rng=0) == 0)


def test_add_noise_level_means_std_for_every_additive_kind():
    clean = grey(0.5)
    for kind in ("gaussian", "uniform", "speckle", "poisson"):
        diff = noise.add_noise(clean, kind, 0.08, clip=False, rng=0) - clean
        expected = 0.08 * (0.5 if kind == "speckle" else 1.0)  # speckle: sigma times the value
        assert diff.std() == pytest.approx(expected, rel=0.02), kind
    out = noise.add_noise(clean, "salt_and_pepper", 0.08, rng=0)
    assert np.mean(out != 0.5) == pytest.approx(0.08, abs=0.003)


def test_zero_noise_returns_the_image(camera):
    for kind in noise.NOISE_KINDS:
        assert np.array_equal(noise.add_noise(camera, kind, 0.0, rng=0), camera), kind


# --------------------------------------------------------------------------- clipping, dtype, rng


@pytest.mark.parametrize("kind", ["gaussian", "uniform", "poisson", "speckle"])
def test_clip_true_equals_clipping_the_unclipped_result(camera, kind):
    raw = noise.add_noise(camera, kind, 0.3, clip=False, rng=8)
    clipped = noise.add_noise(camera, kind, 0.3, clip=True, rng=8)
    assert raw.min() < 0 or raw.max() > 1  # the model leaves [0, 1] at this level
    assert clipped.min() >= 0 and clipped.max() <= 1
    assert np.array_equal(clipped, np.clip(raw, 0, 1))


def test_output_is_float32_and_input_untouched(camera):
    image64 = camera.astype(np.float64)
    before = image64.copy()
    for kind in noise.NOISE_KINDS:
        out = noise.add_noise(image64, kind, 0.1, rng=0)
        assert out.dtype == np.float32 and out.shape == camera.shape
    assert np.array_equal(image64, before)


def test_uint8_input_is_divided_by_255_not_wrapped():
    img8 = np.full((64, 64), 250, dtype=np.uint8)
    assert np.allclose(noise.gaussian_noise(img8, 0.0, rng=0), 250 / 255)
    out = noise.gaussian_noise(img8, 0.1, clip=False, rng=0)
    assert out.dtype == np.float32
    assert out.mean() == pytest.approx(250 / 255, abs=0.005)  # no wrap-around to 0
    assert out.max() > 1.0


def test_colour_and_batch_shapes_are_kept():
    colour = np.full((32, 48, 3), 0.5, dtype=np.float32)
    batch = np.full((10, 28, 28), 0.5, dtype=np.float32)
    for kind in noise.NOISE_KINDS:
        assert noise.add_noise(colour, kind, 0.1, rng=0).shape == colour.shape
        assert noise.add_noise(batch, kind, 0.1, rng=0).shape == batch.shape


def test_seed_reproduces_and_generators_advance():
    clean = grey(0.5, 32)
    assert np.array_equal(noise.gaussian_noise(clean, 0.1, rng=3), noise.gaussian_noise(clean, 0.1, rng=3))
    assert not np.array_equal(noise.gaussian_noise(clean, 0.1, rng=3), noise.gaussian_noise(clean, 0.1, rng=4))
    gen = np.random.default_rng(0)
    assert not np.array_equal(noise.gaussian_noise(clean, 0.1, rng=gen), noise.gaussian_noise(clean, 0.1, rng=gen))


def test_same_seed_scales_one_pattern():
    clean = grey(0.5, 32)
    a = noise.gaussian_noise(clean, 0.1, clip=False, rng=9) - clean
    b = noise.gaussian_noise(clean, 0.2, clip=False, rng=9) - clean
    assert np.allclose(2 * a, b, atol=1e-6)


# --------------------------------------------------------------------------- agreement with scikit-image


def test_gaussian_agrees_with_skimage(camera):
    ours = noise.gaussian_noise(camera, 0.1, clip=False, rng=10) - camera
    theirs = random_noise(camera, mode="gaussian", var=0.01, clip=False, rng=10) - camera
    assert ours.std() == pytest.approx(theirs.std(), rel=0.01)
    assert ours.mean() == pytest.approx(theirs.mean(), abs=0.001)
    ours_c = noise.gaussian_noise(camera, 0.1, clip=True, rng=10)
    theirs_c = random_noise(camera, mode="gaussian", var=0.01, clip=True, rng=11)
    for level in (0.0, 1.0):
        assert np.mean(ours_c == level) == pytest.approx(np.mean(theirs_c == level), abs=0.003)
    assert ours_c.mean() == pytest.approx(theirs_c.mean(), abs=0.001)


def test_speckle_agrees_with_skimage(camera):
    ours = noise.speckle_noise(camera, 0.2, clip=False, rng=12) - camera
    theirs = random_noise(camera, mode="speckle", var=0.04, clip=False, rng=13) - camera
    assert ours.std() == pytest.approx(theirs.std(), rel=0.01)


def test_salt_and_pepper_agrees_with_skimage(camera):
    ours = noise.salt_and_pepper_noise(camera, 0.1, salt_vs_pepper=0.3, rng=14)
    theirs = random_noise(camera, mode="s&p", amount=0.1, salt_vs_pepper=0.3, rng=15)
    for level in (0.0, 1.0):
        assert np.mean(ours == level) == pytest.approx(np.mean(theirs == level), abs=0.003)
    assert np.mean(ours != camera) == pytest.approx(np.mean(theirs != camera), abs=0.003)


def test_poisson_agrees_with_skimage(camera):
    # scikit-image scales by 2**ceil(log2(number of distinct values)): 256 for an 8-bit picture.
    assert len(np.unique(camera)) <= 256
    ours = noise.poisson_noise(camera, 256, clip=False, rng=16) - camera
    theirs = random_noise(camera, mode="poisson", clip=False, rng=17) - camera
    assert ours.std() == pytest.approx(theirs.std(), rel=0.01)
    assert ours.mean() == pytest.approx(theirs.mean(), abs=0.001)


# --------------------------------------------------------------------------- images from noise


def test_white_noise_distributions():
    u = noise.white_noise((N_SIDE, N_SIDE), rng=0)
    assert u.dtype == np.float32 and 0 <= u.min() and u.max() <= 1
    assert u.mean() == pytest.approx(0.5, abs=0.002) and u.std() == pytest.approx(1 / np.sqrt(12), rel=0.01)
    g = noise.white_noise(N_SIDE, "gaussian", mean=0.5, std=0.1, clip=False, rng=0)
    assert g.shape == (N_SIDE, N_SIDE) and g.std() == pytest.approx(0.1, rel=0.01)
    assert abs(noise.spectral_exponent(g)) < 0.1


@pytest.mark.parametrize("beta", [0.0, 1.0, 2.0, 3.0])
def test_colored_noise_has_the_requested_spectrum(beta):
    img = noise.colored_noise((N_SIDE, N_SIDE), beta=beta, rng=1)
    assert img.dtype == np.float32 and img.min() >= 0 and img.max() <= 1
    assert img.mean() == pytest.approx(0.5, abs=0.01)
    assert noise.spectral_exponent(img) == pytest.approx(beta, abs=0.15)


def test_colored_noise_tiles_seamlessly():
    img = noise.colored_noise((128, 128), beta=2.0, contrast=0.1, rng=2)
    inner = np.abs(np.diff(img, axis=1)).mean()
    across = np.abs(img[:, 0] - img[:, -1]).mean()
    assert across < 2 * inner


def test_value_noise_scale_and_persistence():
    smooth = noise.value_noise((256, 256), scale=64, octaves=1, rng=0)
    rough = noise.value_noise((256, 256), scale=64, octaves=6, persistence=0.8, rng=0)
    small = noise.value_noise((256, 256), scale=8, octaves=1, rng=0)
    for img in (smooth, rough, small):
        assert img.dtype == np.float32 and 0 <= img.min() and img.max() <= 1
        assert img.std() == pytest.approx(0.15, abs=0.02)

    def lag_correlation(img, lag=8):
        return np.corrcoef(img[:, :-lag].ravel(), img[:, lag:].ravel())[0, 1]

    assert lag_correlation(smooth) > 0.9 > lag_correlation(rough)
    assert lag_correlation(small) < 0.3
    assert noise.spectral_exponent(rough) < noise.spectral_exponent(smooth)
    assert np.array_equal(noise.value_noise(64, rng=5), noise.value_noise(64, rng=5))


def test_radial_power_spectrum_of_a_sine():
    x = np.arange(64)
    img = np.sin(2 * np.pi * 8 * x / 64)[None, :].repeat(64, axis=0)
    f, p = noise.radial_power_spectrum(img)
    assert f[np.argmax(p)] == pytest.approx(8 / 64, abs=1 / 64)


# --------------------------------------------------------------------------- bad input

IMG = np.full((8, 8), 0.5, dtype=np.float32)


@pytest.mark.parametrize("image, error, words", [
    (np.full((8, 8), np.nan), ValueError, "NaN"),
    (np.full((8, 8), 1.5), ValueError, "[0, 1]"),
    (np.full((8, 8), -0.1), ValueError, "[0, 1]"),
    (np.full((8, 8), 100, dtype=np.int32), TypeError, "dtype int32"),
    (np.full((8, 8), 1000, dtype=np.uint16), TypeError, "uint16"),
    (np.zeros(8, dtype=np.float32), ValueError, "shape"),
    (np.zeros((0, 8), dtype=np.float32), ValueError, "empty"),
    ([["a"]], TypeError, "dtype"),
])
def test_bad_images_are_rejected(image, error, words):
    for kind in noise.NOISE_KINDS:
        with pytest.raises(error, match="image") as info:
            noise.add_noise(image, kind, 0.1, rng=0)
        assert words in str(info.value)


@pytest.mark.parametrize("call, error, words", [
    (lambda: noise.gaussian_noise(IMG, -0.1), ValueError, "sigma must be >= 0"),
    (lambda: noise.gaussian_noise(IMG, float("nan")), ValueError, "sigma must be finite"),
    (lambda: noise.gaussian_noise(IMG, float("inf")), ValueError, "sigma must be finite"),
    (lambda: noise.gaussian_noise(IMG, "0.1"), TypeError, "sigma must be a real number"),
    (lambda: noise.gaussian_noise(IMG, True), TypeError, "sigma"),
    (lambda: noise.gaussian_noise(IMG, 0.1, mean=np.nan), ValueError, "mean"),
    (lambda: noise.gaussian_noise(IMG, 0.1, clip="yes"), TypeError, "clip must be True or False"),
    (lambda: noise.gaussian_noise(IMG, 0.1, clip=1), TypeError, "clip"),
    (lambda: noise.gaussian_noise(IMG, 0.1, rng=1.5), TypeError, "rng"),
    (lambda: noise.gaussian_noise(IMG, 0.1, rng="seed"), TypeError, "rng"),
    (lambda: noise.gaussian_noise(IMG, 0.1, rng=-1), ValueError, "rng"),
    (lambda: noise.uniform_noise(IMG), ValueError, "exactly one of half_width and std"),
    (lambda: noise.uniform_noise(IMG, 0.1, std=0.1), ValueError, "exactly one"),
    (lambda: noise.uniform_noise(IMG, -0.1), ValueError, "half_width"),
    (lambda: noise.uniform_noise(IMG, std=-0.1), ValueError, "std"),
    (lambda: noise.salt_and_pepper_noise(IMG, 1.5), ValueError, "amount must be <= 1"),
    (lambda: noise.salt_and_pepper_noise(IMG, -0.1), ValueError, "amount must be >= 0"),
    (lambda: noise.salt_and_pepper_noise(IMG, 0.1, salt_vs_pepper=2), ValueError, "salt_vs_pepper"),
    (lambda: noise.salt_and_pepper_noise(IMG, np.nan), ValueError, "amount"),
    (lambda: noise.poisson_noise(IMG, 0), ValueError, "photons must be > 0"),
    (lambda: noise.poisson_noise(IMG, -5), ValueError, "photons"),
    (lambda: noise.speckle_noise(IMG, -1), ValueError, "sigma"),
    (lambda: noise.add_noise(IMG, "pink", 0.1), ValueError, "kind must be one of"),
    (lambda: noise.add_noise(IMG, "gaussian", -0.1), ValueError, "level"),
    (lambda: noise.add_noise(IMG, "salt_and_pepper", 1.5), ValueError, "amount must be <= 1"),
    (lambda: noise.add_noise(IMG, "salt_and_pepper", 0.1, clip=None), TypeError, "clip"),
    (lambda: noise.white_noise((8, 8), "cauchy"), ValueError, "distribution"),
    (lambda: noise.white_noise((8, -8)), ValueError, "shape"),
    (lambda: noise.white_noise((8,)), ValueError, "shape"),
    (lambda: noise.white_noise((8, 8.5)), ValueError, "shape"),
    (lambda: noise.colored_noise((8, 8), beta=-1), ValueError, "beta"),
    (lambda: noise.colored_noise((8, 8, 3)), ValueError, "shape"),
    (lambda: noise.colored_noise((8, 8), contrast=-0.1), ValueError, "contrast"),
    (lambda: noise.value_noise((8, 8), octaves=0), ValueError, "octaves"),
    (lambda: noise.value_noise((8, 8), octaves=2.5), ValueError, "octaves"),
    (lambda: noise.value_noise((8, 8), persistence=0), ValueError, "persistence"),
    (lambda: noise.value_noise((8, 8), scale=0.5), ValueError, "scale"),
    (lambda: noise.radial_power_spectrum(np.zeros(16)), ValueError, "image"),
    (lambda: noise.spectral_exponent(np.zeros((4, 4))), ValueError, "too small"),
])
def test_bad_parameters_are_rejected(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


# --------------------------------------------------------------------------- estimating sigma


@pytest.mark.parametrize("sigma", [0.01, 0.05, 0.2])
def test_estimate_noise_sigma_on_flat_and_real_images(camera, sigma):
    flat = noise.gaussian_noise(grey(0.5), sigma, clip=False, rng=20)
    assert noise.estimate_noise_sigma(flat) == pytest.approx(sigma, rel=0.02)
    real = noise.estimate_noise_sigma(noise.gaussian_noise(camera, sigma, clip=False, rng=21))
    if sigma >= 0.05:
        assert real == pytest.approx(sigma, rel=0.1)
    else:  # weak noise: the photo's own fine detail and 8-bit steps count as noise
        assert sigma < real < 2 * sigma


def test_estimate_noise_sigma_is_small_for_a_clean_photo_and_colour_works(camera):
    assert noise.estimate_noise_sigma(camera) < 0.01
    colour = np.stack([noise.gaussian_noise(grey(0.5, 128), 0.1, clip=False, rng=c) for c in range(3)], -1)
    assert noise.estimate_noise_sigma(colour) == pytest.approx(0.1, rel=0.05)


def test_estimate_noise_sigma_agrees_with_skimage(camera):
    pytest.importorskip("pywt")
    from skimage.restoration import estimate_sigma

    noisy = noise.gaussian_noise(camera, 0.1, clip=False, rng=22)
    assert noise.estimate_noise_sigma(noisy) == pytest.approx(estimate_sigma(noisy), rel=0.05)


@pytest.mark.parametrize("image, error", [
    (np.zeros((8, 8), dtype=np.int16), TypeError),
    (np.zeros(16), ValueError),
    (np.zeros((2, 8)), ValueError),
    (np.full((8, 8), np.nan), ValueError),
])
def test_estimate_noise_sigma_bad_input(image, error):
    with pytest.raises(error, match="image"):
        noise.estimate_noise_sigma(image)


def test_histogram_with_pdf_is_a_density():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import stats

    from helpers.plotting import histogram_with_pdf

    fig, ax = plt.subplots()
    samples = np.random.default_rng(0).normal(0, 0.1, 50_000)
    histogram_with_pdf(samples, stats.norm(0, 0.1).pdf, ax=ax, bins=50)
    heights = np.array([p.get_height() for p in ax.patches])
    widths = np.array([p.get_width() for p in ax.patches])
    assert np.sum(heights * widths) == pytest.approx(1.0)
    x, y = ax.lines[0].get_data()
    assert y.max() == pytest.approx(stats.norm(0, 0.1).pdf(0), rel=1e-3)
    with pytest.raises(ValueError, match="finite"):
        histogram_with_pdf([np.nan], ax=ax)
    plt.close(fig)
