"""helpers.checks: one rule per kind of argument, applied the same way by every module.

The image rule (float in [0, 1] kept, uint8 divided by 255, bool as 0/1, anything else refused,
nothing clipped) is checked through each public function that takes an image, so a module that
drifts back to its own conversion fails here.
"""

import numpy as np
import pytest

from helpers import checks, data, digit_metrics, image_quality, noise

IMG8 = np.random.default_rng(0).integers(0, 256, (16, 16), dtype=np.uint8)
DIGITS8 = data.load_mnist_sample("test")[0][:130]

#: Every public entry point that takes images, as a function of the image.
IMAGE_TAKERS = {
    "data.to_float": data.to_float,
    "noise.gaussian_noise": lambda x: noise.gaussian_noise(x, 0.0, rng=0),
    "noise.add_noise": lambda x: noise.add_noise(x, "speckle", 0.0, rng=0),
    "noise.estimate_noise_sigma": noise.estimate_noise_sigma,
    "image_quality.psnr (reference)": lambda x: image_quality.psnr(x, np.full(np.shape(x), 0.5)),
    "image_quality.ssim (test)": lambda x: image_quality.ssim(np.full(np.shape(x), 0.5), x),
}


@pytest.mark.parametrize("name", IMAGE_TAKERS)
def test_uint8_means_divided_by_255_everywhere(name):
    fn = IMAGE_TAKERS[name]
    np.testing.assert_allclose(fn(IMG8), fn(IMG8.astype(np.float32) / 255), rtol=1e-6)
    np.testing.assert_allclose(fn(IMG8 > 127), fn((IMG8 > 127).astype(np.float32)), rtol=1e-6)


@pytest.mark.parametrize("name", IMAGE_TAKERS)
@pytest.mark.parametrize("bad, error, words", [
    (IMG8.astype(np.int16), TypeError, "must be float in [0, 1], uint8 (divided by 255) or bool; got dtype int16"),
    (np.where(IMG8 > 100, np.nan, 0.5), ValueError, "contains NaN or infinite values"),
])
def test_the_same_refusals_with_the_same_words_everywhere(name, bad, error, words):
    with pytest.raises(error) as info:
        IMAGE_TAKERS[name](bad)
    assert words in str(info.value)


def test_digit_metrics_follow_the_same_rule():
    np.testing.assert_allclose(digit_metrics.features(DIGITS8), digit_metrics.features(data.to_float(DIGITS8)))
    with pytest.raises(TypeError, match="got dtype int16"):
        digit_metrics.fid(data.to_float(DIGITS8), DIGITS8.astype(np.int16))


def test_out_of_range_is_refused_not_clipped():
    for fn in (data.to_float, lambda x: noise.gaussian_noise(x, 0.1), lambda x: image_quality.psnr(x, x)):
        with pytest.raises(ValueError, match=r"must lie in \[0, 1\]; got values from -0.5 to 1.5"):
            fn(np.array([[-0.5, 1.5]]))
    # a test image with unclipped noise may leave [0, 1]; a digit set gets the tanh hint
    assert image_quality.psnr(np.full((8, 8), 0.5), np.full((8, 8), 1.5)) == pytest.approx(0.0)
    with pytest.raises(ValueError, match=r"\(x \+ 1\) / 2"):
        data.check_digit_images(np.full((2, 28, 28), -1.0))


@pytest.mark.parametrize("value, minimum, ok", [
    (3, 1, True), (np.int64(3), 1, True), (0, 0, True),
    (0, 1, False), (True, 1, False), (2.0, 1, False), ("3", 1, False), (-1, 0, False),
])
def test_integer(value, minimum, ok):
    if ok:
        assert checks.integer(value, "n", minimum) == value
    else:
        with pytest.raises(ValueError, match="n must be"):
            checks.integer(value, "n", minimum)


def test_one_rng_rule():
    gen = np.random.default_rng(5)
    assert checks.make_rng(gen) is gen
    assert checks.make_rng(3).random() == np.random.default_rng(3).random()
    for bad, error in ((1.5, TypeError), (True, TypeError), (np.random.RandomState(0), TypeError), (-1, ValueError)):
        with pytest.raises(error, match="rng"):
            checks.make_rng(bad)
    # density and noise use it: the same seed gives the same draws, the same refusals
    from helpers import density

    np.testing.assert_array_equal(density.box_muller(4, rng=7), density.box_muller(4, rng=checks.make_rng(7)))
    for call in (lambda r: density.box_muller(4, rng=r), lambda r: noise.white_noise((4, 4), rng=r)):
        with pytest.raises(TypeError, match="rng must be an int seed, a numpy.random.Generator or None"):
            call(1.5)
