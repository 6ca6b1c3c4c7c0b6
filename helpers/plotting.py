"""Figures the notebooks share: images with a fixed intensity scale, image tilings, curves.

Every function draws float images in [0, 1] with ``vmin=0, vmax=1`` so that
matplotlib never rescales them silently: what you see is the data.

- :func:`show_image`, :func:`image_grid` -- one image, or a grid of axes with one image each.
- :func:`mosaic` -- many images tiled into one array (one artist: fast to redraw, used by
  the live training samples, the panels' snapshots and the notebooks' sample sheets).
- :func:`histogram_with_pdf` -- samples against a model density.
- :func:`plot_history` -- training curves from :func:`helpers.training.fit_resumable`.
- :func:`use_course_style` -- the course's one figure style (resolution, stored format), set by
  every notebook's setup cell.

Part of the base layer: NumPy and matplotlib only (matplotlib imported when drawing).
"""

from __future__ import annotations

import numpy as np

from . import checks

#: Resolution of every figure of the course, in dots per inch: inline plots, slider panels and
#: their snapshots, live training samples (set by :func:`use_course_style`). At 100 dpi a digit
#: drawn 0.8 inch wide is 80 screen pixels, about three pixels per pixel of the 28 x 28 image.
FIGURE_DPI = 100
#: Quality of the JPEG figures of notebooks whose pictures are mostly noise (see :func:`use_course_style`).
JPEG_QUALITY = 90


def use_course_style(image_format="png"):
    """Set the course's figure style: one resolution and one way of storing figures.

    Every notebook's setup cell (:data:`helpers.colab.SETUP_CELL`) calls it once, after
    ``%matplotlib inline``, locally and in Colab alike; no notebook sets a resolution itself.

    Parameters
    ----------
    image_format : {"png", "jpeg"}
        How inline figures are stored in the notebook: PNG (sharp lines and text), or JPEG at
        :data:`JPEG_QUALITY` for a notebook whose pictures are mostly noise, which PNG cannot
        compress (notebook 01 would be three times larger).

    Outside a notebook (scripts, tests) only the resolution is set.

    Examples
    --------
    >>> import matplotlib
    >>> use_course_style()
    >>> matplotlib.rcParams["figure.dpi"] == FIGURE_DPI
    True
    >>> use_course_style("gif")
    Traceback (most recent call last):
    ...
    ValueError: image_format='gif' is not valid; expected one of ['png', 'jpeg']
    """
    import matplotlib

    image_format = checks.choice(image_format, "image_format", ("png", "jpeg"))
    matplotlib.rcParams["figure.dpi"] = FIGURE_DPI
    try:
        from IPython import get_ipython
    except ImportError:  # matplotlib without IPython: nothing is displayed inline
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats(image_format, **({"pil_kwargs": {"quality": JPEG_QUALITY}}
                                            if image_format == "jpeg" else {}))


def _check_image(img, name="img"):
    img = np.asarray(img)
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[-1] not in (1, 3, 4)):
        raise ValueError(f"{name} must have shape (H, W) or (H, W, C) with C in 1, 3, 4; got {img.shape}")
    return img[..., 0] if img.ndim == 3 and img.shape[-1] == 1 else img


def show_image(img, ax=None, title=None):
    """Draw one image on ``ax`` with a fixed [0, 1] intensity scale.

    Parameters
    ----------
    img : array_like, shape (H, W) or (H, W, C)
        Float image in [0, 1]; grey images are drawn with the ``gray`` colormap.
    ax : matplotlib Axes, optional
        Where to draw; the current axes by default.
    title : str, optional

    Returns
    -------
    matplotlib.image.AxesImage
        The artist, so that a widget can update it with ``set_data``.

    Examples
    --------
    >>> import numpy as np, matplotlib
    >>> matplotlib.use("Agg")
    >>> artist = show_image(np.zeros((4, 4)))
    >>> artist.get_clim()
    (0.0, 1.0)
    """
    import matplotlib.pyplot as plt

    img = _check_image(img)
    ax = plt.gca() if ax is None else ax
    artist = ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0.0, vmax=1.0,
                       interpolation="nearest")
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    return artist


def mosaic(images, ncols=8, pad=1, pad_value=1.0):
    """Tile equally sized images into one array, row by row, with ``pad`` pixels between them.

    Parameters
    ----------
    images : array_like, shape (N, H, W) or (N, H, W, C)
        Any numeric dtype (float images in [0, 1], or uint8 RGB pictures); kept as it is,
        nothing is rescaled or clipped. A single channel (C = 1) is dropped.
    ncols : int
        Images per row (fewer if there are fewer images); the last row is filled with
        ``pad_value`` where images run out.
    pad : int
        Pixels between neighbouring images (0: edge to edge). No border around the whole.
    pad_value : float
        Value of the gaps (1.0: white for float images, 255 for uint8).

    Returns
    -------
    ndarray, shape (rows * (H + pad) - pad, cols * (W + pad) - pad[, C])
        Same dtype as ``images``.

    Examples
    --------
    >>> tiles = mosaic(np.zeros((5, 2, 3)), ncols=4)
    >>> tiles.shape
    (5, 15)
    >>> tiles[:, 3].tolist()        # the one-pixel gap after the first image
    [1.0, 1.0, 1.0, 1.0, 1.0]
    >>> mosaic(np.arange(4).reshape(4, 1, 1), ncols=2, pad=0).tolist()
    [[0, 1], [2, 3]]
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or images.size == 0:
        raise ValueError(f"images must be a non-empty batch of shape (N, H, W) or (N, H, W, C); "
                         f"got shape {images.shape}")
    ncols = checks.integer(ncols, "ncols")
    pad = checks.integer(pad, "pad", minimum=0)
    n, h, w = images.shape[:3]
    cols = min(ncols, n)
    rows = -(-n // cols)
    canvas = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad, *images.shape[3:]), pad_value,
                     dtype=images.dtype)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        canvas[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = img
    return canvas


def image_grid(images, ncols=8, titles=None, axes_size=1.2, fig=None):
    """Draw a batch of images in a grid and return the figure.

    Parameters
    ----------
    images : array_like, shape (N, H, W) or (N, H, W, C)
        Float images in [0, 1].
    ncols : int
        Images per row.
    titles : sequence of str, optional
        One title per image.
    axes_size : float
        Size of one cell in inches.
    fig : matplotlib Figure, optional
        Draw into this (cleared) figure instead of a new one.

    Examples
    --------
    >>> import numpy as np, matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = image_grid(np.zeros((10, 8, 8)), ncols=5)
    >>> len(fig.axes)
    10
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"images must have shape (N, H, W) or (N, H, W, C); got {images.shape}")
    n = len(images)
    if n == 0:
        raise ValueError("images is empty")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles has {len(titles)} entries for {n} images")
    ncols = max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    if fig is None:
        fig = plt.figure(figsize=(ncols * axes_size, nrows * axes_size))
    else:
        fig.clear()
    for i in range(n):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        show_image(images[i], ax=ax, title=None if titles is None else titles[i])
    fig.tight_layout()
    return fig


def histogram_with_pdf(samples, pdf=None, ax=None, bins=80, range=None, label="samples",
                       pdf_label="model PDF", title=None):
    """Histogram of ``samples`` as a density (area 1), with a model PDF drawn over it.

    Parameters
    ----------
    samples : array_like
        Any shape; flattened.
    pdf : callable, optional
        ``pdf(x)`` for an array ``x``; drawn as a line over the bins' range.
    ax : matplotlib Axes, optional
    bins : int
    range : (float, float), optional
        Range of the bins; the samples' range by default.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from scipy import stats
    >>> x = np.random.default_rng(0).normal(0, 1, 10_000)
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = histogram_with_pdf(x, stats.norm(0, 1).pdf, ax=ax)
    >>> len(ax.lines)
    1
    """
    import matplotlib.pyplot as plt

    samples = np.asarray(samples, dtype=float).ravel()
    if samples.size == 0 or not np.isfinite(samples).all():
        raise ValueError("samples must be non-empty and finite")
    ax = plt.gca() if ax is None else ax
    _, edges, _ = ax.hist(samples, bins=bins, range=range, density=True, color="tab:blue",
                          alpha=0.6, label=label)
    if pdf is not None:
        x = np.linspace(edges[0], edges[-1], 400)
        ax.plot(x, pdf(x), color="black", linewidth=1.5, label=pdf_label)
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    if title is not None:
        ax.set_title(title)
    return ax


def plot_history(history, keys=None, ax=None, smooth=1, xlabel="step"):
    """Plot per-step curves of a history dict (from :func:`helpers.training.fit_resumable`).

    Parameters
    ----------
    history : dict of lists
        Must contain ``"step"``.
    keys : sequence of str, optional
        Curves to draw (default: every key except step/epoch).
    ax : matplotlib Axes, optional
    smooth : int
        Moving-average window in steps (1 = raw).
    xlabel : str

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_history({"step": [1, 2, 3], "loss": [3.0, 2.0, 1.5]})
    >>> [line.get_label() for line in ax.lines]
    ['loss']
    """
    import matplotlib.pyplot as plt

    if "step" not in history:
        raise ValueError("history must contain a 'step' list")
    smooth = checks.integer(smooth, "smooth")
    keys = [k for k in history if k not in ("step", "epoch")] if keys is None else list(keys)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    steps = np.asarray(history["step"])
    for key in keys:
        if key not in history:
            raise ValueError(f"history has no {key!r}; it has {sorted(history)}")
        values = np.asarray(history[key], dtype=float)
        if smooth > 1 and len(values) >= smooth:
            values = np.convolve(values, np.ones(smooth) / smooth, mode="valid")
            ax.plot(steps[smooth - 1:], values, label=key)
        else:
            ax.plot(steps[:len(values)], values, label=key)
    ax.set_xlabel(xlabel)
    ax.legend(frameon=False)
    return ax
