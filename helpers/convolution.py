"""Convolution, transposed convolution and upsampling in plain NumPy, as Keras computes them.

Notebook 03 explains the layers that every image network of the course is made of; this
module gives their arithmetic in a form one can read and check against Keras (the tests
compare every function with the Keras layer of the same name, bit for bit up to float
round-off). No TensorFlow is imported.

- :func:`conv2d` -- what ``keras.layers.Conv2D`` computes (deep learning's "convolution" is a
  cross-correlation: the kernel is not flipped), with ``stride`` and ``padding``
  ``"same"``/``"valid"``;
- :func:`conv_transpose2d` -- ``keras.layers.Conv2DTranspose``: the *adjoint* (transpose) of
  :func:`conv2d` with the same kernel, the upsampling layer of generators and decoders;
- :func:`upsample` -- ``keras.layers.UpSampling2D`` (nearest or bilinear), for the
  "resize, then convolve" alternative;
- :func:`output_size` and :func:`receptive_field` -- the shape arithmetic of a stack of layers;
- :data:`CLASSIC_KERNELS` -- 3x3 kernels of image processing (blur, edges, sharpen).

Shapes: one grey image ``(H, W)`` with a kernel ``(k, k)``; or a batch ``(N, H, W, C)`` with
a kernel ``(k, k, C, F)`` (Keras's layout: ``F`` filters, each seeing all ``C`` channels).
"""

from __future__ import annotations

import numpy as np

from . import checks

__all__ = ["CLASSIC_KERNELS", "PADDINGS", "conv2d", "conv_transpose2d", "upsample", "output_size",
           "receptive_field"]

PADDINGS = ("same", "valid")

#: 3x3 kernels of classic image processing, by name (float64 arrays).
CLASSIC_KERNELS = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], float),
    "box blur": np.full((3, 3), 1 / 9),
    "Gaussian blur": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], float) / 16,
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], float),
    "vertical edges (Sobel x)": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float),
    "horizontal edges (Sobel y)": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], float),
    "outline (Laplacian)": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], float),
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], float),
}


# --------------------------------------------------------------------------- validation


def _padding(padding):
    return checks.choice(padding, "padding", PADDINGS)


def _real_array(value, name):
    arr = np.asarray(value)
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real; got complex dtype {arr.dtype}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)) \
            or arr.dtype == bool:
        raise TypeError(f"{name} must be a real numeric array; got dtype {arr.dtype}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr.astype(np.float64 if arr.dtype == np.float64 else np.float32, copy=False)


def _operands(x, kernel, name="x"):
    """Validate (x, kernel); return them as (N, H, W, C) and (k, k, C, F), and whether x was 2-D."""
    x = _real_array(x, name)
    kernel = _real_array(kernel, "kernel")
    if x.ndim == 2:
        if kernel.ndim != 2:
            raise ValueError(f"a 2-D {name} (H, W) needs a 2-D kernel (k, k); got kernel shape {kernel.shape}")
        x4, k4, single = x[None, :, :, None], kernel[:, :, None, None], True
    elif x.ndim == 4:
        if kernel.ndim != 4:
            raise ValueError(f"a batch {name} (N, H, W, C) needs a kernel (k, k, C, F); got shape {kernel.shape}")
        x4, k4, single = x, kernel, False
    else:
        raise ValueError(f"{name} must have shape (H, W) or (N, H, W, C); got {x.shape}")
    if k4.shape[0] != k4.shape[1]:
        raise ValueError(f"kernel must be square (k, k, ...); got shape {kernel.shape}")
    return x4, k4, single


# --------------------------------------------------------------------------- shapes


def output_size(n, kernel, stride=1, padding="same", transposed=False):
    """Side length after a convolution (or a transposed one) of an input of side ``n``.

    ``"same"`` padding: ``ceil(n / stride)`` (transposed: ``n * stride``); ``"valid"``
    (no padding): ``floor((n - kernel) / stride) + 1`` (transposed: ``(n - 1) * stride + kernel``).

    Examples
    --------
    >>> output_size(28, 3, stride=2), output_size(28, 3, stride=2, padding="valid")
    (14, 13)
    >>> output_size(7, 4, stride=2, transposed=True)
    14
    """
    n, kernel, stride = (checks.integer(v, name) for v, name in ((n, "n"), (kernel, "kernel"), (stride, "stride")))
    _padding(padding)
    if transposed:
        return n * stride if padding == "same" else (n - 1) * stride + kernel
    if padding == "same":
        return -(-n // stride)
    if kernel > n:
        raise ValueError(f"a {kernel}x{kernel} kernel does not fit in {n} pixels without padding")
    return (n - kernel) // stride + 1


def _same_padding(n, kernel, stride):
    """(before, after) zeros that TensorFlow's "same" adds to a side of length ``n``."""
    out = -(-n // stride)
    total = max((out - 1) * stride + kernel - n, 0)
    return total // 2, total - total // 2


def receptive_field(layers):
    """Receptive field of a stack of convolutions: how many input pixels one unit sees.

    Parameters
    ----------
    layers : sequence of (kernel, stride)
        Square kernels, from the input upwards.

    Returns
    -------
    list of (size, jump)
        After each layer: the side of the square of input pixels that can influence one
        unit, and ``jump``, the distance in input pixels between neighbouring units.
        Each layer adds ``(kernel - 1) * jump_before`` to the size.

    Examples
    --------
    The three stride-2 3x3 convolutions of the course classifier:

    >>> receptive_field([(3, 2), (3, 2), (3, 2)])
    [(3, 2), (7, 4), (15, 8)]
    """
    layers = list(layers)
    if not layers:
        raise ValueError("layers is empty: give at least one (kernel, stride)")
    size, jump, out = 1, 1, []
    for i, layer in enumerate(layers):
        try:
            kernel, stride = layer
        except (TypeError, ValueError):
            raise ValueError(f"layers[{i}] must be a pair (kernel, stride); got {layer!r}") from None
        kernel, stride = checks.integer(kernel, f"layers[{i}] kernel"), checks.integer(stride, f"layers[{i}] stride")
        size += (kernel - 1) * jump
        jump *= stride
        out.append((size, jump))
    return out


# --------------------------------------------------------------------------- layers


def conv2d(x, kernel, stride=1, padding="same"):
    """Convolution as ``keras.layers.Conv2D`` computes it (no bias, no activation).

    Each output value is the sum of the kernel's weights times the input pixels under it
    (a cross-correlation: the kernel is not flipped); the kernel moves ``stride`` pixels
    between outputs. ``"same"`` adds zeros around the input so that the output has
    ``ceil(n / stride)`` pixels per side (TensorFlow puts the odd one at the bottom/right);
    ``"valid"`` adds none.

    Parameters
    ----------
    x : array_like of float, shape (H, W) or (N, H, W, C)
    kernel : array_like of float, shape (k, k) or (k, k, C, F)
    stride : int
    padding : {"same", "valid"}

    Returns
    -------
    ndarray, shape (H', W') or (N, H', W', F)
        float64 if an input is float64, else float32; sides from :func:`output_size`.

    Raises
    ------
    TypeError
        If ``x`` or ``kernel`` is complex or not numeric.
    ValueError
        If ``x`` or ``kernel`` is empty, holds NaN or infinite values, or has the wrong shape.

    Examples
    --------
    >>> image = np.zeros((5, 5)); image[2, 2] = 1.0
    >>> conv2d(image, CLASSIC_KERNELS["box blur"] * 9)[1:4, 1:4]
    array([[1., 1., 1.],
           [1., 1., 1.],
           [1., 1., 1.]])
    >>> conv2d(np.ones((28, 28)), np.ones((3, 3)), stride=2).shape
    (14, 14)
    """
    x4, k4, single = _operands(x, kernel)
    stride = checks.integer(stride, "stride")
    _padding(padding)
    n, h, w, c = x4.shape
    k = k4.shape[0]
    if k4.shape[2] != c:
        raise ValueError(f"kernel expects {k4.shape[2]} input channels; x has {c}")
    if padding == "same":
        (top, bottom), (left, right) = _same_padding(h, k, stride), _same_padding(w, k, stride)
        x4 = np.pad(x4, ((0, 0), (top, bottom), (left, right), (0, 0)))
    out_h, out_w = output_size(h, k, stride, padding), output_size(w, k, stride, padding)
    dtype = np.result_type(x4.dtype, k4.dtype)
    out = np.zeros((n, out_h, out_w, k4.shape[3]), dtype)
    for di in range(k):
        for dj in range(k):
            patch = x4[:, di:di + (out_h - 1) * stride + 1:stride, dj:dj + (out_w - 1) * stride + 1:stride, :]
            out += patch @ k4[di, dj].astype(dtype)
    return out[0, :, :, 0] if single else out


def conv_transpose2d(x, kernel, stride=1, padding="same"):
    """Transposed convolution as ``keras.layers.Conv2DTranspose`` computes it (no bias).

    It is the adjoint of :func:`conv2d` with the same kernel: ``sum(conv2d(u, K, s, p) * v)
    == sum(u * conv_transpose2d(v, K, s, p))`` for every ``u`` whose side the transposed
    convolution gives back (a multiple of the stride for ``"same"``; ``k`` plus a multiple of
    the stride for ``"valid"``), and every ``v`` of the convolution's output shape.
    Concretely, every input pixel stamps a copy of the kernel, scaled by its value, onto the
    output, and the stamps are ``stride`` pixels apart; where stamps overlap they add up.
    When the kernel size is not a multiple of the stride, some output pixels receive more
    stamps than their neighbours: the cause of checkerboard artifacts.

    Parameters
    ----------
    x : array_like of float, shape (h, w) or (N, h, w, F)
    kernel : array_like of float, shape (k, k) or (k, k, C, F)
        The layout of :func:`conv2d` (and of Keras's ``Conv2DTranspose`` kernel, which is
        ``(k, k, output channels, input channels)``).
    stride : int
    padding : {"same", "valid"}
        ``"same"``: output side ``h * stride``; ``"valid"``: ``(h - 1) * stride + k``.

    Returns
    -------
    ndarray, shape (H, W) or (N, H, W, C)

    Raises
    ------
    TypeError
        If ``x`` or ``kernel`` is complex or not numeric.
    ValueError
        If ``x`` or ``kernel`` is empty, holds NaN or infinite values, or has the wrong shape.

    Examples
    --------
    One pixel stamps the kernel; with stride 2 a 3x3 kernel's stamps overlap in every other row:

    >>> conv_transpose2d(np.ones((2, 2)), np.ones((3, 3)), stride=2, padding="valid")
    array([[1., 1., 2., 1., 1.],
           [1., 1., 2., 1., 1.],
           [2., 2., 4., 2., 2.],
           [1., 1., 2., 1., 1.],
           [1., 1., 2., 1., 1.]])
    """
    x4, k4, single = _operands(x, kernel)
    stride = checks.integer(stride, "stride")
    _padding(padding)
    n, h, w, f = x4.shape
    k = k4.shape[0]
    if k4.shape[3] != f:
        raise ValueError(f"kernel (k, k, C, F) has F = {k4.shape[3]} filters; x has {f} channels")
    dtype = np.result_type(x4.dtype, k4.dtype)
    full_h, full_w = (h - 1) * stride + k, (w - 1) * stride + k
    full = np.zeros((n, full_h, full_w, k4.shape[2]), dtype)
    for di in range(k):
        for dj in range(k):
            full[:, di:di + (h - 1) * stride + 1:stride, dj:dj + (w - 1) * stride + 1:stride, :] += \
                x4 @ k4[di, dj].T.astype(dtype)
    if padding == "same":
        out_h, out_w = h * stride, w * stride
        top, left = _same_padding(out_h, k, stride)[0], _same_padding(out_w, k, stride)[0]
        pad_h, pad_w = max(top + out_h - full_h, 0), max(left + out_w - full_w, 0)
        full = np.pad(full, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)))
        full = full[:, top:top + out_h, left:left + out_w, :]
    return full[0, :, :, 0] if single else full


def upsample(x, factor=2, method="nearest"):
    """Enlarge images by an integer ``factor``, as ``keras.layers.UpSampling2D`` does.

    ``"nearest"`` repeats every pixel ``factor`` times in each direction; ``"bilinear"``
    interpolates between pixel centres (half-pixel centres, edges repeated), like
    TensorFlow's ``resize``. Followed by a convolution, this is the "resize, then
    convolve" way of upsampling that cannot make checkerboards.

    Parameters
    ----------
    x : array_like of float, shape (H, W) or (N, H, W, C)
    factor : int
    method : {"nearest", "bilinear"}

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.
    ValueError
        If ``x`` is empty, holds NaN or infinite values, or is not (H, W) or (N, H, W, C).

    Examples
    --------
    >>> upsample(np.array([[0.0, 1.0]]), 2)
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.]], dtype=float32)
    >>> upsample(np.array([[0.0, 1.0]]), 2, "bilinear")
    array([[0.  , 0.25, 0.75, 1.  ],
           [0.  , 0.25, 0.75, 1.  ]], dtype=float32)
    """
    arr = _real_array(x, "x")
    if arr.ndim not in (2, 4):
        raise ValueError(f"x must have shape (H, W) or (N, H, W, C); got {arr.shape}")
    factor = checks.integer(factor, "factor")
    checks.choice(method, "method", ("nearest", "bilinear"))
    rows, cols = (0, 1) if arr.ndim == 2 else (1, 2)
    if method == "nearest":
        return np.repeat(np.repeat(arr, factor, axis=rows), factor, axis=cols).astype(np.float32)
    out = arr.astype(np.float64)
    for axis in (rows, cols):
        n = out.shape[axis]
        centres = (np.arange(n * factor) + 0.5) / factor - 0.5      # output centres in input pixels
        centres = np.clip(centres, 0, n - 1)
        low = np.floor(centres).astype(int)
        high = np.minimum(low + 1, n - 1)
        weight = (centres - low).reshape([-1 if a == axis else 1 for a in range(out.ndim)])
        out = np.take(out, low, axis=axis) * (1 - weight) + np.take(out, high, axis=axis) * weight
    return out.astype(np.float32)
