"""Argument checks shared by every module: one rule and one message for each kind of argument.

The course validates at the public edge of ``helpers`` (see the README): a wrong argument
raises at once, naming the argument and what was expected, and nothing is silently fixed.
Every module uses these functions, so the same mistake gives the same message everywhere.

- :func:`integer` -- counts, sizes, epochs: whole numbers (``True`` is not a number of anything).
- :func:`real` -- finite real numbers, optionally within bounds.
- :func:`flag` -- ``True`` or ``False``.
- :func:`make_rng` -- random generators: an int seed, a :class:`numpy.random.Generator` or ``None``.
- :func:`choice` -- one of a fixed set of names.

NumPy only; the base layer (imports nothing else from ``helpers``).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["integer", "real", "flag", "make_rng", "choice"]


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
