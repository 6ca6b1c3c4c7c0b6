"""helpers.digit_metrics FID/KID/classifier: ordering on real, blurred and noise images, the
NumPy classifier against the Keras one (helpers.models.classifier), the Fréchet formula, and bad input."""

import subprocess
import sys

import numpy as np
import pytest
from scipy import linalg
from scipy.ndimage import gaussian_filter

from helpers import data
from helpers import digit_metrics as metrics


@pytest.fixture(scope="module")
def digits():
    train = data.to_float(data.load_mnist_sample("train")[0])
    test, labels = data.load_mnist_sample("test")
    return train, data.to_float(test), labels


def test_fid_orders_real_blurred_noise(digits):
    train, test, _ = digits
    blurred = np.stack([gaussian_filter(img, 1.5) for img in test])
    noise = np.random.default_rng(0).random(test.shape).astype(np.float32)
    real_feats = metrics.features(train)
    f_real = metrics.fid(real_feats, test)
    f_blur = metrics.fid(real_feats, blurred)
    f_noise = metrics.fid(real_feats, noise)
    assert f_real * 5 < f_blur
    assert f_blur * 3 < f_noise
    # Features as input give the same number as images.
    assert metrics.fid(train, test) == pytest.approx(f_real, rel=1e-9)


def test_kid_orders_real_blurred_noise_and_is_near_zero_for_same_distribution(digits):
    train, test, _ = digits
    blurred = np.stack([gaussian_filter(img, 1.5) for img in test])
    noise = np.random.default_rng(0).random(test.shape).astype(np.float32)
    k_real, s_real = metrics.kid(train, test)
    k_blur, _ = metrics.kid(train, blurred)
    k_noise, _ = metrics.kid(train, noise)
    assert abs(k_real) < 3 * s_real + 0.05 * k_blur
    assert k_real < k_blur < k_noise


def test_fid_of_a_single_class_is_far_from_all_classes(digits):
    """Mode collapse raises FID and shows in the class histogram."""
    train, test, labels = digits
    ones = test[labels == 1]
    collapsed = np.concatenate([ones] * 2)
    assert metrics.fid(train, collapsed) > 10 * metrics.fid(train, test)
    hist = metrics.class_histogram(collapsed)
    assert hist[1] > 0.9 and hist.sum() == pytest.approx(1.0)
    counts = metrics.class_histogram(test, normalize=False)
    assert counts.sum() == len(test) and counts.dtype.kind == "i"


def test_classifier_accuracy_on_held_out_digits(digits):
    _, test, labels = digits
    assert np.mean(metrics.classify(test) == labels) >= 0.95
    assert np.mean(metrics.classify(test[..., None]) == labels) >= 0.95


def test_frechet_distance_matches_scipy_sqrtm_formula():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 8, 8))
    c1, c2 = a @ a.T, b @ b.T
    mu1, mu2 = rng.normal(size=(2, 8))
    expected = (np.sum((mu1 - mu2) ** 2) + np.trace(c1) + np.trace(c2)
                - 2 * np.trace(np.real(linalg.sqrtm(c1 @ c2))))
    assert metrics.frechet_distance(mu1, c1, mu2, c2) == pytest.approx(expected, rel=1e-8)
    assert metrics.frechet_distance(mu1, c1, mu1, c1) == pytest.approx(0, abs=1e-6)
    # Singular covariances (dead units) stay finite.
    assert np.isfinite(metrics.frechet_distance(mu1, np.zeros((8, 8)), mu2, c2))


@pytest.mark.parametrize("bad, error, words", [
    (np.zeros((200, 32, 32), np.float32), ValueError, "shape (N, 28, 28)"),
    (np.zeros((200, 28, 28, 3), np.float32), ValueError, "shape (N, 28, 28)"),
    (np.full((200, 28, 28), 2.0, np.float32), ValueError, "[0, 1]"),
    (np.full((200, 28, 28), -1.0, np.float32), ValueError, "(x + 1) / 2"),
    (np.zeros((200, 28, 28), np.int16), TypeError, "dtype int16"),
    (np.full((200, 28, 28), np.nan, np.float32), ValueError, "NaN"),
    (np.zeros((10, 28, 28), np.float32), ValueError, "at least 128"),
])
def test_fid_rejects_bad_input_with_a_clear_error(digits, bad, error, words):
    with pytest.raises(error) as info:
        metrics.fid(digits[1], bad)
    assert words in str(info.value) and "generated" in str(info.value)


def test_kid_rejects_bad_arguments(digits):
    with pytest.raises(ValueError, match="n_subsets"):
        metrics.kid(digits[1], digits[1], n_subsets=0)
    with pytest.raises(ValueError, match="at least 16"):
        metrics.kid(digits[1][:5], digits[1])


def test_corrupt_classifier_file_is_refused(tmp_path, monkeypatch):
    (tmp_path / "SHA256SUMS").write_text(
        (data.config.data_dir() / "SHA256SUMS").read_text())
    (tmp_path / metrics.CLASSIFIER_FILE).write_bytes(b"not the weights")
    with pytest.raises(data.ChecksumError):
        data.embedded_path(metrics.CLASSIFIER_FILE, tmp_path)
    with pytest.raises(data.DataError, match="not a readable .npz"):
        metrics.load_weights(tmp_path / metrics.CLASSIFIER_FILE)


def test_metrics_import_does_not_import_tensorflow():
    code = ("import sys, numpy as np; import helpers.digit_metrics as m; "
            "m.classify(np.zeros((2, 28, 28), np.float32)); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_numpy_classifier_equals_keras_classifier(digits):
    keras = pytest.importorskip("keras")
    from helpers.models.classifier import build_classifier, export_weights

    arrays = metrics.load_weights()
    model = build_classifier(weights=arrays)
    x = digits[1][:200]
    keras_logits = keras.ops.convert_to_numpy(model(x[..., None]))
    np.testing.assert_allclose(metrics.forward(x, upto="logits"), keras_logits, atol=1e-4)
    # export_weights gives back the arrays forward() takes: a fresh model's logits through both paths.
    fresh = build_classifier(seed=1)
    np.testing.assert_allclose(metrics.forward(x, weights=export_weights(fresh), upto="logits"),
                               keras.ops.convert_to_numpy(fresh(x[..., None])), atol=1e-4)
    assert not np.allclose(metrics.forward(x[:5], weights=export_weights(fresh), upto="logits"),
                           keras_logits[:5], atol=1e-2)


def _shift_digits_one_by_one(images, rng, max_shift=2):
    """The plain reference: each image's two shifts drawn in image order, each image rolled on its own."""
    out = np.zeros_like(images)
    for i, img in enumerate(images):
        dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
        out[i] = np.roll(np.roll(img, dy, axis=0), dx, axis=1)
    return out


@pytest.mark.parametrize("kind, max_shift", [("digits", 2), ("digits with a channel axis", 2),
                                             ("random uint8, 9 x 7", 3), ("one random image", 2),
                                             ("digits", 0)])
def test_shift_digits_equals_rolling_each_image_on_its_own(digits, kind, max_shift):
    """shift_digits rolls all images of one shift together: the same images, bit for bit, and the
    generator left in the same state (the next epoch's shuffle depends on it)."""
    pytest.importorskip("keras")
    from helpers.models.classifier import shift_digits

    images = {"digits": digits[0][::13],                                  # 308 digits of every class
              "digits with a channel axis": digits[1][:64, :, :, None],
              "random uint8, 9 x 7": np.random.default_rng(9).integers(0, 256, (50, 9, 7), dtype=np.uint8),
              "one random image": np.random.default_rng(9).random((1, 28, 28))}[kind]
    rng_ref, rng = np.random.default_rng(5), np.random.default_rng(5)
    expected = _shift_digits_one_by_one(images, rng_ref, max_shift)
    moved = shift_digits(images, rng, max_shift)
    assert moved.dtype == images.dtype and moved.shape == images.shape
    np.testing.assert_array_equal(moved, expected)
    assert rng.bit_generator.state == rng_ref.bit_generator.state
    assert np.array_equal(moved, images) == (max_shift == 0)
