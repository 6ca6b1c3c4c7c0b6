"""Argument checks shared by every module: one rule and one message for each kind of argument.

The course validates at the public edge of ``helpers`` (see the README): a wrong argument
raises at once, naming the argument and what was expected, and nothing is silently fixed.
Every module uses these functions, so the same mistake gives the same message everywhere.

- :func:`float_image` -- the one image policy: float in [0, 1] as it is, ``uint8`` divided by
  255, ``bool`` as 0/1, anything else refused; NaN refused; nothing clipped.
- :func:`integer` -- counts, sizes, epochs: whole numbers (``True`` is not a number of anything).
- :func:`real` -- finite real numbers, optionally within bounds; :func:`finite` and
  :func:`positive` -- the same for arrays.
- :func:`flag` -- ``True`` or ``False``.
- :func:`make_rng` -- random generators: an int seed, a :class:`numpy.random.Generator` or ``None``.
- :func:`choice` -- one of a fixed set of names.

NumPy only; the base layer (imports nothing else from ``helpers``).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["float_image", "integer", "real", "finite", "positive", "flag", "make_rng", "choice"]


def float_image(image, name="image", min_ndim=0, unit_range=True, tolerance=0.0, hint=""):
    """An image (or a batch) as float32, converted and checked by the course's one rule.

    - float: kept as it is (no rescaling, no clipping);
    - ``uint8``: divided by 255, the explicit 8-bit conversion (0 -> 0.0, 255 -> 1.0);
    - ``bool``: 0.0 and 1.0;
    - any other dtype (int16, int64, object, complex): ``TypeError``, because there is no one
      right way to scale it.

    Parameters
    ----------
    image : array_like
    name : str
        Argument name used in error messages.
    min_ndim : int
        Fewest dimensions accepted (2 for an image; 0 for any array of pixel values).
    unit_range : bool
        Values must lie in [0, 1] (False: any finite value, e.g. an image with unclipped noise).
    tolerance : float
        How far outside [0, 1] round-off may go (values are still not clipped).
    hint : str
        Appended to the out-of-range message (e.g. how a model's output maps to [0, 1]).

    Raises
    ------
    TypeError
        A dtype without an exact conversion.
    ValueError
        Too few dimensions, empty, NaN or infinite values, or values outside [0, 1].

    Examples
    --------
    >>> float_image(np.array([0, 128, 255], dtype=np.uint8))
    array([0.       , 0.5019608, 1.       ], dtype=float32)
    >>> float_image(np.array([[0.5, 1.5]]))
    Traceback (most recent call last):
    ...
    ValueError: image must lie in [0, 1]; got values from 0.5 to 1.5 (nothing is clipped: convert or rescale it explicitly)
    >>> float_image(np.array([1, 2], dtype=np.int16))
    Traceback (most recent call last):
    ...
    TypeError: image must be float in [0, 1], uint8 (divided by 255) or bool; got dtype int16
    """
    arr = np.asarray(image)
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / np.float32(255)
    elif arr.dtype == np.bool_:
        arr = arr.astype(np.float32)
    elif np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float32, copy=False)
    else:
        raise TypeError(f"{name} must be float in [0, 1], uint8 (divided by 255) or bool; got dtype {arr.dtype}")
    if arr.ndim < min_ndim:
        raise ValueError(f"{name} must have shape (H, W), (H, W, C) or a batch of those; got shape {arr.shape}"
                         if min_ndim == 2 else f"{name} must have at least {min_ndim} dimensions; got shape {arr.shape}")
    if min_ndim and arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if arr.size and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    if unit_range and arr.size:
        lo, hi = float(arr.min()), float(arr.max())
        if lo < -tolerance or hi > 1 + tolerance:
            raise ValueError(f"{name} must lie in [0, 1]; got values from {lo:.4g} to {hi:.4g} "
                             "(nothing is clipped: convert or rescale it explicitly)" + (f"; {hint}" if hint else ""))
    return arr


def integer(value, name, minimum=1):
    """``value`` as an ``int`` if it is a whole number ``>= minimum``; ``ValueError`` otherwise.

    Booleans and floats (even ``2.0``) are refused: a count is written as an integer.

    Examples
    --------
    >>> integer(3, "epochs")
    3
    >>> integer(True, "epochs")
    Traceback (most recent call last):
    ...
    ValueError: epochs must be a positive integer; got True
    >>> integer(-1, "max_steps", minimum=0)
    Traceback (most recent call last):
    ...
    ValueError: max_steps must be a non-negative integer; got -1
    """
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral)
            or value < minimum):
        what = {1: "a positive integer", 0: "a non-negative integer"}.get(minimum, f"an integer >= {minimum}")
        raise ValueError(f"{name} must be {what}; got {value!r}")
    return int(value)


def real(value, name, low=None, high=None, low_open=False):
    """``value`` as a finite ``float`` within [low, high] (``(low, high]`` with ``low_open``).

    Raises
    ------
    TypeError
        Not a real number (booleans included).
    ValueError
        NaN, infinite, or out of bounds.

    Examples
    --------
    >>> real(0.5, "sigma", low=0)
    0.5
    >>> real(0, "sigma", low=0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: sigma must be > 0; got 0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        bound = f"> {low:g}" if low_open else f">= {low:g}"
        raise ValueError(f"{name} must be {bound}; got {value:g}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high:g}; got {value:g}")
    return value


def finite(value, name):
    """``value`` as a float64 array with no NaN or infinity; ``ValueError`` otherwise.

    Examples
    --------
    >>> finite([1, 2], "x").tolist()
    [1.0, 2.0]
    """
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def positive(value, name):
    """``value`` as a float64 array of finite numbers > 0; ``ValueError`` otherwise.

    Examples
    --------
    >>> positive(0.5, "sigma").item()
    0.5
    >>> positive([1.0, 0.0], "sigma")
    Traceback (most recent call last):
    ...
    ValueError: sigma must be positive and finite; got [1.0, 0.0]
    """
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be positive and finite; got {value!r}")
    return arr


def flag(value, name):
    """``value`` as a ``bool`` if it is ``True`` or ``False``; ``TypeError`` otherwise.

    Examples
    --------
    >>> flag(False, "clip")
    False
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def make_rng(rng=None, name="rng"):
    """A :class:`numpy.random.Generator` from a seed, a generator (returned as is) or ``None``.

    ``None`` gives fresh entropy (not reproducible); the course seeds everything it stores.

    Raises
    ------
    TypeError
        Anything else (a float, a bool, the legacy ``numpy.random.RandomState``).
    ValueError
        A negative seed.

    Examples
    --------
    >>> float(make_rng(0).random()) == float(make_rng(0).random())
    True
    >>> gen = np.random.default_rng(1)
    >>> make_rng(gen) is gen
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, numbers.Integral):
        raise TypeError(f"{name} must be an int seed, a numpy.random.Generator or None; got {rng!r}")
    if rng < 0:
        raise ValueError(f"{name} seed must be non-negative; got {rng}")
    return np.random.default_rng(int(rng))


def choice(value, name, options):
    """``value`` if it is one of ``options``; ``ValueError`` naming them otherwise.

    Examples
    --------
    >>> choice("test", "split", ("train", "test"))
    'test'
    >>> choice("val", "split", ("train", "test"))
    Traceback (most recent call last):
    ...
    ValueError: split='val' is not valid; expected one of ['train', 'test']
    """
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name}={value!r} is not valid; expected one of {list(options)}")
    return value
