"""Procedural content from the noise of notebook 01: seamless textures, palettes, landscapes, tile maps.

Everything here is built on :mod:`helpers.noise` (``value_noise``, ``colored_noise``), not a copy
of it, and is seeded: the same ``seed`` gives bit-identical output.

- :func:`make_seamless` -- any grey texture made tileable (blended with its half-shifted copy);
  :func:`seam_report` measures the wrap-around seam against interior neighbours (the proof).
- :func:`tile` -- repeat a texture (to look at the seams).
- :func:`palette`, :func:`colorize` -- colour ramps (:data:`PALETTES`) applied to a grey field.
- :func:`landscape` -- a fractal height map (value noise) with a sea level, coloured as terrain.
- :func:`tile_map` -- a small game level: a coarse height map cut into terrain classes
  (:data:`TERRAINS`), each cell drawn with that terrain's seamless tile (:func:`sprite_sheet`).
- :func:`save_variations` -- PNG files named by their seeds, with a JSON manifest, so that a
  designer's choice can be reproduced.

NumPy (and Pillow for PNG files) only.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import checks, noise

__all__ = ["PALETTES", "TERRAINS", "make_seamless", "seam_report", "tile", "palette", "colorize", "landscape",
           "sprite_sheet", "tile_map", "save_variations"]

#: Colour ramps: (position in [0, 1], RGB in [0, 1]) stops, interpolated linearly.
PALETTES = {
    "terrain": [(0.0, (0.05, 0.12, 0.35)), (0.44, (0.15, 0.40, 0.70)), (0.46, (0.85, 0.80, 0.55)),
                (0.52, (0.30, 0.60, 0.25)), (0.68, (0.15, 0.40, 0.15)), (0.80, (0.45, 0.40, 0.35)),
                (0.92, (0.95, 0.95, 0.97)), (1.0, (1.0, 1.0, 1.0))],
    "lava": [(0.0, (0.05, 0.0, 0.0)), (0.45, (0.55, 0.05, 0.0)), (0.7, (0.95, 0.45, 0.05)), (1.0, (1.0, 0.95, 0.6))],
    "ice": [(0.0, (0.05, 0.10, 0.30)), (0.5, (0.45, 0.70, 0.90)), (1.0, (0.97, 0.99, 1.0))],
    "marble": [(0.0, (0.25, 0.22, 0.20)), (0.5, (0.85, 0.82, 0.78)), (1.0, (1.0, 1.0, 0.98))],
}

#: Terrain classes of :func:`tile_map`: (name, upper height bound, palette name for its tile, tint RGB).
TERRAINS = (
    ("water", 0.36, "ice", (0.55, 0.75, 1.0)),
    ("sand", 0.42, "marble", (1.0, 0.9, 0.6)),
    ("grass", 0.62, "marble", (0.45, 0.85, 0.35)),
    ("forest", 0.78, "marble", (0.2, 0.5, 0.2)),
    ("rock", 1.01, "marble", (0.65, 0.6, 0.55)),
)


def _grey_field(texture, name="texture"):
    field = checks.float_image(texture, name, min_ndim=2)
    if field.ndim != 2:
        raise ValueError(f"{name} must be a grey image of shape (H, W); got shape {field.shape}")
    if min(field.shape) < 4:
        raise ValueError(f"{name} must be at least 4 x 4 pixels; got shape {field.shape}")
    return field.astype(np.float64)


def make_seamless(texture):
    """A tileable version of a grey texture: each axis blended with its copy shifted by half a period.

    Along each axis the result is ``w * T + (1 - w) * roll(T, half)`` with ``w = sin^2(pi (i + 1/2) / n)``:
    near the borders it is the shifted copy, whose first and last rows were neighbours in the middle
    of ``T``, so the wrap-around seam is as smooth as the interior. The blend is rescaled by
    ``1 / sqrt(w^2 + (1 - w)^2)`` around the mean so that the contrast does not dip in the middle,
    then clipped to [0, 1].

    Parameters
    ----------
    texture : array_like of float in [0, 1], shape (H, W), H, W >= 4

    Returns
    -------
    ndarray of float32, shape (H, W)

    Raises
    ------
    ValueError
        If ``texture`` is not a grey image of at least 4 x 4 pixels, or holds NaN, infinite or
        out-of-range values.
    TypeError
        If ``texture`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> tex = noise.value_noise((64, 64), scale=16, rng=0)
    >>> r = seam_report(make_seamless(tex))
    >>> bool(r["seam"] <= r["interior_max"])
    True
    """
    field = _grey_field(texture)
    mean = field.mean()
    out = field - mean
    for axis, n in enumerate(out.shape):
        w = np.sin(np.pi * (np.arange(n) + 0.5) / n) ** 2
        w = w.reshape((-1, 1) if axis == 0 else (1, -1))
        out = (w * out + (1 - w) * np.roll(out, n // 2, axis=axis)) / np.sqrt(w**2 + (1 - w) ** 2)
    return np.clip(out + mean, 0.0, 1.0).astype(np.float32)


def seam_report(texture):
    """How large the wrap-around seam of a texture is, next to its interior neighbours.

    Returns
    -------
    dict
        ``seam``: mean absolute difference between the last and the first row, and between the last
        and the first column (averaged); ``interior``: the same for all interior neighbouring
        rows and columns; ``interior_max``: the largest mean difference of any one interior pair
        of neighbouring rows or columns. A texture tiles seamlessly when ``seam <= interior_max``:
        the seam is then no rougher than some line inside the texture.

    Raises
    ------
    ValueError
        If ``texture`` is not a grey image of at least 4 x 4 pixels, or holds NaN, infinite or
        out-of-range values.
    TypeError
        If ``texture`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> ramp = np.tile(np.linspace(0, 1, 32), (32, 1))      # black on the left, white on the right
    >>> r = seam_report(ramp)
    >>> bool(r["seam"] > r["interior_max"])
    True
    """
    field = _grey_field(texture)
    rows = np.abs(np.diff(field, axis=0)).mean(axis=1)          # (H - 1,)
    cols = np.abs(np.diff(field, axis=1)).mean(axis=0)          # (W - 1,)
    seam = 0.5 * (np.abs(field[-1] - field[0]).mean() + np.abs(field[:, -1] - field[:, 0]).mean())
    return {"seam": float(seam), "interior": float(0.5 * (rows.mean() + cols.mean())),
            "interior_max": float(max(rows.max(), cols.max()))}


def tile(texture, reps=(2, 2)):
    """The texture repeated ``reps`` = (down, across) times (grey (H, W) or colour (H, W, 3)).

    Raises
    ------
    ValueError
        If ``texture`` is empty, not (H, W) or (H, W, C), holds NaN, infinite or out-of-range
        values, or ``reps`` is not two positive integers.
    TypeError
        If ``texture`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> tile(np.zeros((4, 5)), (2, 3)).shape
    (8, 15)
    """
    image = checks.float_image(texture, "texture", min_ndim=2)
    if image.ndim not in (2, 3):
        raise ValueError(f"texture must have shape (H, W) or (H, W, C); got {image.shape}")
    if not isinstance(reps, (tuple, list)) or len(reps) != 2:
        raise ValueError(f"reps must be two positive integers (down, across); got {reps!r}")
    down, across = (checks.integer(r, "reps") for r in reps)
    return np.tile(image, (down, across) + (1,) * (image.ndim - 2))


def palette(name, n=256):
    """``n`` colours (n, 3) of the ramp ``name`` (:data:`PALETTES`), or of your own list of stops.

    Parameters
    ----------
    name : str or sequence of (position, (r, g, b))
        A name in :data:`PALETTES`, or stops with increasing positions from 0 to 1 and colours in [0, 1].
    n : int
        Number of colours (>= 2).

    Raises
    ------
    ValueError
        An unknown name, fewer than 2 stops, positions not increasing from 0 to 1, colours
        outside [0, 1], or ``n`` < 2.

    Examples
    --------
    >>> palette("lava", 5).shape
    (5, 3)
    >>> palette([(0, (0, 0, 0)), (1, (1, 1, 1))], 3)[1].tolist()
    [0.5, 0.5, 0.5]
    """
    if isinstance(name, str):
        stops = PALETTES.get(name)
        if stops is None:
            raise ValueError(f"palette name={name!r} is not known; expected one of {list(PALETTES)} or a list of stops")
    else:
        stops = name
    n = checks.integer(n, "n", minimum=2)
    try:
        pos = np.array([float(p) for p, _ in stops])
        rgb = np.array([[float(c) for c in colour] for _, colour in stops])
    except (TypeError, ValueError) as error:
        raise ValueError(f"palette stops must be (position, (r, g, b)) pairs; got {stops!r}") from error
    if len(pos) < 2 or rgb.shape != (len(pos), 3) or pos[0] != 0 or pos[-1] != 1 or np.any(np.diff(pos) <= 0):
        raise ValueError("palette stops need at least 2 entries, positions increasing from 0 to 1, colours (r, g, b)")
    if not np.all(np.isfinite(rgb)) or rgb.min() < 0 or rgb.max() > 1:
        raise ValueError("palette colours must be in [0, 1]")
    x = np.linspace(0, 1, n)
    return np.stack([np.interp(x, pos, rgb[:, k]) for k in range(3)], axis=1).astype(np.float32)


def colorize(field, name="terrain"):
    """A grey field (H, W) in [0, 1] turned into colours (H, W, 3) through the palette ``name``.

    Raises
    ------
    ValueError
        If ``field`` is not a grey image of at least 4 x 4 pixels, or holds NaN, infinite or
        out-of-range values; or the palette is unknown (:func:`palette`).
    TypeError
        If ``field`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> colorize(np.full((4, 4), 0.5), "ice").shape
    (4, 4, 3)
    """
    grey = _grey_field(field, "field")
    colours = palette(name, 256)
    return colours[np.round(grey * 255).astype(int)]


def landscape(shape=(128, 256), seed=0, octaves=5, persistence=0.5, scale=96.0):
    """A fractal height map in [0, 1] (value noise of :mod:`helpers.noise`, stretched to the full range).

    Parameters
    ----------
    shape : (H, W)
    seed : int
        The same seed gives the same landscape, bit for bit.
    octaves : int
        Octaves of detail, 1 to 12: 1 gives rolling hills, more give rugged coasts and ridges.
    persistence : float
        Amplitude ratio of successive octaves, in (0, 1].
    scale : float
        Size in pixels of the largest features.

    Raises
    ------
    ValueError
        A bad shape, octave count, persistence or scale; a negative seed.
    TypeError
        A seed that is not an integer.

    Examples
    --------
    >>> h = landscape((32, 48), seed=3, octaves=4)
    >>> h.shape, float(h.min()), float(h.max())
    ((32, 48), 0.0, 1.0)
    >>> bool(np.array_equal(h, landscape((32, 48), seed=3, octaves=4)))
    True
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int; got {seed!r}")
    field = noise.value_noise(shape, scale=scale, octaves=octaves, persistence=persistence, contrast=0.15,
                              rng=checks.make_rng(int(seed), "seed")).astype(np.float64)
    # contrast 0.15 leaves almost nothing clipped; stretch the field to the full range [0, 1]
    low, high = field.min(), field.max()
    return ((field - low) / (high - low if high > low else 1.0)).astype(np.float32)


def sprite_sheet(tile_size=16, seed=0):
    """One seamless colour tile (tile_size, tile_size, 3) per terrain of :data:`TERRAINS`.

    Each tile is a seamless value-noise texture (:func:`make_seamless`) coloured by its palette and tinted.

    Raises
    ------
    ValueError
        ``tile_size`` < 8 or a negative seed.

    Examples
    --------
    >>> sprite_sheet(8, seed=0).shape
    (5, 8, 8, 3)
    """
    tile_size = checks.integer(tile_size, "tile_size", minimum=8)
    rng = checks.make_rng(seed, "seed")
    tiles = []
    for _, _, name, tint in TERRAINS:
        texture = make_seamless(noise.value_noise((tile_size, tile_size), scale=tile_size / 2, octaves=3,
                                                  contrast=0.18, rng=rng))
        tiles.append(colorize(texture, name) * np.asarray(tint, dtype=np.float32))
    return np.clip(np.stack(tiles), 0, 1).astype(np.float32)


def tile_map(rows=12, cols=20, seed=0, tile_size=16, octaves=3):
    """A small game level: terrain classes from a coarse height map, drawn with :func:`sprite_sheet` tiles.

    Returns
    -------
    classes : ndarray of int, shape (rows, cols)
        Index into :data:`TERRAINS` of every cell.
    image : ndarray of float32, shape (rows * tile_size, cols * tile_size, 3)

    Raises
    ------
    ValueError
        ``rows`` or ``cols`` < 2, ``tile_size`` < 8, a bad octave count or a negative seed.

    Examples
    --------
    >>> classes, image = tile_map(4, 6, seed=1, tile_size=8)
    >>> classes.shape, image.shape
    ((4, 6), (32, 48, 3))
    """
    rows, cols = checks.integer(rows, "rows", minimum=2), checks.integer(cols, "cols", minimum=2)
    tile_size = checks.integer(tile_size, "tile_size", minimum=8)
    height = landscape((rows, cols), seed=seed, octaves=octaves, scale=max(rows, cols) / 2)
    bounds = np.array([upper for _, upper, _, _ in TERRAINS])
    classes = np.searchsorted(bounds, height, side="right")
    classes = np.minimum(classes, len(TERRAINS) - 1)
    tiles = sprite_sheet(tile_size, seed=seed)
    image = tiles[classes].transpose(0, 2, 1, 3, 4).reshape(rows * tile_size, cols * tile_size, 3)
    return classes, image


def save_variations(images, seeds, folder, prefix="variation"):
    """Save each image as ``<prefix>_seed<seed>.png`` in ``folder``, plus ``<prefix>_manifest.json``.

    Parameters
    ----------
    images : array_like of float in [0, 1], shape (N, H, W) or (N, H, W, 3)
    seeds : sequence of N distinct non-negative ints
        The seed that made each image (it goes in the file name and the manifest).
    folder : path
        Created if missing. Keep it out of the repository (a temporary or output folder).
    prefix : str
        File-name prefix (letters, digits, ``_`` and ``-``).

    Returns
    -------
    list of pathlib.Path
        The PNG files, in the order of ``images``.

    Raises
    ------
    ValueError
        ``images`` empty, not (N, H, W) or (N, H, W, 3), holding NaN, infinite or out-of-range
        values; ``seeds`` not N distinct non-negative ints; a bad prefix.
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> import tempfile
    >>> paths = save_variations(np.zeros((2, 4, 4)), [7, 9], tempfile.mkdtemp())
    >>> [p.name for p in paths]
    ['variation_seed7.png', 'variation_seed9.png']
    """
    from PIL import Image

    batch = checks.float_image(images, "images", min_ndim=3)
    if batch.ndim == 4 and batch.shape[-1] != 3 or batch.ndim not in (3, 4):
        raise ValueError(f"images must have shape (N, H, W) or (N, H, W, 3); got {batch.shape}")
    seeds = list(seeds)
    if (len(seeds) != len(batch) or len(set(seeds)) != len(seeds)
            or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in seeds)):
        raise ValueError(f"seeds must be {len(batch)} distinct non-negative ints, one per image; got {seeds!r}")
    if not isinstance(prefix, str) or not prefix or not all(c.isalnum() or c in "_-" for c in prefix):
        raise ValueError(f"prefix must be letters, digits, '_' or '-'; got {prefix!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for image, seed in zip(batch, seeds):
        path = folder / f"{prefix}_seed{int(seed)}.png"
        Image.fromarray(np.round(np.asarray(image) * 255).astype(np.uint8)).save(path)
        paths.append(path)
    manifest = {"prefix": prefix, "files": {p.name: int(s) for p, s in zip(paths, seeds)}}
    (folder / f"{prefix}_manifest.json").write_text(json.dumps(manifest, indent=1))
    return paths
