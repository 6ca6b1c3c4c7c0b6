"""helpers.convolution: the NumPy layers equal Keras's layers, the transposed convolution is the adjoint, shapes, bad input."""

import numpy as np
import pytest

from helpers import convolution as C

CASES = [(28, 3, 1, "same"), (28, 3, 2, "same"), (28, 3, 2, "valid"), (7, 4, 2, "same"),
         (9, 4, 3, "valid"), (14, 5, 2, "same"), (6, 1, 2, "same"), (29, 3, 2, "valid"), (10, 4, 3, "valid")]


@pytest.fixture(scope="module")
def keras():
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    return keras


@pytest.mark.parametrize("n, k, s, padding", CASES)
def test_conv2d_equals_keras_conv2d(keras, n, k, s, padding):
    rng = np.random.default_rng(n * k + s)
    x = rng.random((2, n, n, 3)).astype(np.float32)
    kernel = rng.standard_normal((k, k, 3, 4)).astype(np.float32)
    layer = keras.layers.Conv2D(4, k, strides=s, padding=padding, use_bias=False)
    layer.build(x.shape)
    layer.kernel.assign(kernel)
    want = keras.ops.convert_to_numpy(layer(x))
    got = C.conv2d(x, kernel, s, padding)
    assert got.shape == want.shape == (2, C.output_size(n, k, s, padding), C.output_size(n, k, s, padding), 4)
    np.testing.assert_allclose(got, want, atol=2e-5)


@pytest.mark.parametrize("n, k, s, padding", CASES)
def test_conv_transpose2d_equals_keras_conv2dtranspose(keras, n, k, s, padding):
    rng = np.random.default_rng(100 + n * k + s)
    x = rng.random((2, n, n, 4)).astype(np.float32)
    kernel = rng.standard_normal((k, k, 3, 4)).astype(np.float32)   # (k, k, out 3, in 4)
    layer = keras.layers.Conv2DTranspose(3, k, strides=s, padding=padding, use_bias=False)
    layer.build(x.shape)
    layer.kernel.assign(kernel)
    want = keras.ops.convert_to_numpy(layer(x))
    got = C.conv_transpose2d(x, kernel, s, padding)
    side = C.output_size(n, k, s, padding, transposed=True)
    assert got.shape == want.shape == (2, side, side, 3)
    np.testing.assert_allclose(got, want, atol=2e-5)


ROUND_TRIP = [c for c in CASES if C.output_size(C.output_size(*c), c[1], c[2], c[3], transposed=True) == c[0]]


def test_the_adjoint_cases_cover_both_paddings_and_strides():
    assert {c[3] for c in ROUND_TRIP} == {"same", "valid"} and {c[2] for c in ROUND_TRIP} >= {1, 2, 3}


@pytest.mark.parametrize("n, k, s, padding", ROUND_TRIP)
def test_transposed_convolution_is_the_adjoint(n, k, s, padding):
    rng = np.random.default_rng(7)
    kernel = rng.standard_normal((k, k, 2, 3))
    u = rng.standard_normal((1, n, n, 2))
    out = C.conv2d(u, kernel, s, padding)
    v = rng.standard_normal(out.shape)
    back = C.conv_transpose2d(v, kernel, s, padding)
    assert back.shape == u.shape
    assert np.sum(out * v) == pytest.approx(np.sum(u * back), rel=1e-10)


@pytest.mark.parametrize("method", ["nearest", "bilinear"])
def test_upsample_equals_keras_upsampling2d(keras, method):
    x = np.random.default_rng(3).random((2, 7, 5, 2)).astype(np.float32)
    want = keras.ops.convert_to_numpy(keras.layers.UpSampling2D(2, interpolation=method)(x))
    np.testing.assert_allclose(C.upsample(x, 2, method), want, atol=1e-6)


def test_classic_kernels_do_what_their_names_say():
    image = np.random.default_rng(0).random((16, 16))
    assert np.array_equal(C.conv2d(image, C.CLASSIC_KERNELS["identity"]), image)
    ramp = np.tile(np.arange(16.0), (16, 1))                     # brightness grows to the right
    inner = (slice(1, -1), slice(1, -1))
    assert np.allclose(C.conv2d(ramp, C.CLASSIC_KERNELS["vertical edges (Sobel x)"])[inner], 8.0)
    assert np.allclose(C.conv2d(ramp, C.CLASSIC_KERNELS["horizontal edges (Sobel y)"])[inner], 0.0)
    for name in ("box blur", "Gaussian blur"):
        assert C.CLASSIC_KERNELS[name].sum() == pytest.approx(1.0)
        assert C.conv2d(image, C.CLASSIC_KERNELS[name])[inner].std() < image.std()


def test_receptive_field_matches_where_a_unit_looks():
    """Push one deep unit's gradient back to the input: the non-zero square has the predicted side."""
    layers = [(3, 2), (3, 2), (3, 2)]
    grad = np.zeros((1, 4, 4, 1))
    grad[0, 2, 2, 0] = 1.0
    for _ in layers:                       # the adjoint of each layer carries the gradient back
        grad = C.conv_transpose2d(grad, np.ones((3, 3, 1, 1)), 2)
    rows, cols = np.nonzero(grad[0, :, :, 0])
    assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == (15, 15)
    assert C.receptive_field(layers)[-1] == (15, 8)


def test_output_size_matches_the_functions():
    for n, k, s, padding in CASES:
        assert C.conv2d(np.zeros((n, n)), np.zeros((k, k)), s, padding).shape[0] == C.output_size(n, k, s, padding)
        assert (C.conv_transpose2d(np.zeros((n, n)), np.zeros((k, k)), s, padding).shape[0]
                == C.output_size(n, k, s, padding, transposed=True))


def test_bad_input_is_refused_with_a_clear_message():
    image = np.zeros((8, 8))
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        C.conv2d(image, np.ones((3, 3)), stride=0)
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        C.conv2d(image, np.ones((3, 3)), stride=1.5)
    with pytest.raises(ValueError, match="padding='full' is not valid"):
        C.conv2d(image, np.ones((3, 3)), padding="full")
    with pytest.raises(ValueError, match="NaN"):
        C.conv2d(np.full((8, 8), np.nan), np.ones((3, 3)))
    with pytest.raises(TypeError, match="complex"):
        C.conv2d(image + 1j, np.ones((3, 3)))
    with pytest.raises(ValueError, match="square"):
        C.conv2d(image, np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"shape \(H, W\) or \(N, H, W, C\)"):
        C.conv2d(np.zeros((2, 8, 8)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="input channels"):
        C.conv2d(np.zeros((1, 8, 8, 2)), np.ones((3, 3, 3, 1)))
    with pytest.raises(ValueError, match="does not fit"):
        C.output_size(2, 3, padding="valid")
    with pytest.raises(ValueError, match="empty"):
        C.receptive_field([])
    with pytest.raises(ValueError, match=r"layers\[1\]"):
        C.receptive_field([(3, 2), 3])
    with pytest.raises(ValueError, match="method='cubic' is not valid"):
        C.upsample(image, 2, "cubic")
