"""Slider panels that redraw fast: controls + a figure whose artists are updated in place.

Re-plotting a figure on every slider move (``plt.clf(); plt.imshow(...)``) rebuilds axes,
ticks and text and is slow. A :class:`Panel` builds its figure once; on every change
its ``update`` function only changes data of existing artists
(``AxesImage.set_data``, ``Rectangle.set_height`` of histogram bars,
``Line2D.set_data``, ``Text.set_text``) and the figure is rendered again.

Building blocks (reusable by every notebook):

- :class:`Panel` -- controls (any ipywidgets value widgets) + a figure + an update
  function; records how long each update took (``panel.last_update_ms``).
- :func:`histogram_bars` / :func:`set_bar_heights` -- a histogram drawn once as bars
  whose heights are updated.
- :func:`snapshots` -- a static figure of a panel at several settings, for viewers
  without a live kernel (GitHub).

Panels (one per notebook topic): :func:`noise_explorer` (notebook 01).

The figure is a plain :class:`matplotlib.figure.Figure` with an Agg canvas
(:func:`new_figure`); each refresh draws only the changing artists over a cached
background (blitting) and sends the picture to an ``ipywidgets.Image``. This works
with the default inline backend, in JupyterLab and in Colab, without ipympl.
"""

from __future__ import annotations

import time

import numpy as np

from .plotting import mosaic

__all__ = ["new_figure", "Panel", "histogram_bars", "set_bar_heights", "snapshots", "noise_explorer"]


def new_figure(figsize, dpi=80):
    """A matplotlib Figure with its own Agg canvas, not managed by pyplot.

    pyplot would show it again at the end of the cell with the inline backend; a
    :class:`Panel` shows it itself.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


class Panel:
    """Controls and a figure; every control change calls ``update`` and re-renders.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure with an Agg canvas (see :func:`new_figure`), all artists already created.
    controls : dict of str -> ipywidgets widget
        Value widgets (sliders, dropdowns, checkboxes); their names are the keyword
        arguments passed to ``update``.
    update : callable
        ``update(**values)`` changes the figure's artists in place; it must not add
        or remove artists, nor change axis limits of blitted axes.
    animated : sequence of matplotlib artists, optional
        The artists ``update`` changes. When given, the rest of the figure (axes, ticks,
        labels: most of the drawing time) is rendered once and cached, and each update
        draws only these artists over the cached background ("blitting").
        When omitted the whole figure is redrawn each time.
    render : bool
        Encode the figure and show it in the panel after each update (False is for
        tests; the benchmark keeps it on).
    image_format : {"png", "jpeg"}
        How the rendered figure is sent to the browser.
    layout : {"top", "left"}
        Controls in a row above the figure (default), or in a column to its left (many sliders).

    Attributes
    ----------
    last_update_ms : float
        Time of the last refresh in ms: ``update`` + drawing + encoding the picture.

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> fig = new_figure((2, 2))
    >>> line, = fig.add_subplot().plot([0, 1], [0, 0])
    >>> panel = Panel(fig, {"slope": widgets.FloatSlider(value=0.0)},
    ...               lambda slope: line.set_ydata([0, slope]), animated=[line])
    >>> panel.set(slope=0.5)
    >>> [float(y) for y in line.get_ydata()]
    [0.0, 0.5]
    """

    def __init__(self, fig, controls, update, animated=None, render=True, image_format="png", layout="top"):
        import ipywidgets as widgets

        from .checks import choice

        self.layout = choice(layout, "layout", ("top", "left"))
        if not controls:
            raise ValueError("controls must name at least one widget")
        if not callable(update):
            raise TypeError(f"update must be callable; got {update!r}")
        if image_format not in ("png", "jpeg"):
            raise ValueError(f"image_format must be 'png' or 'jpeg'; got {image_format!r}")
        if not hasattr(fig.canvas, "copy_from_bbox"):
            raise TypeError("fig needs an Agg canvas: create it with helpers.widgets.new_figure")
        self.fig = fig
        self.controls = dict(controls)
        self._update = update
        self.animated = list(animated) if animated is not None else None
        self.render_enabled = bool(render)
        self.image_format = image_format
        self.view = widgets.Image(format=image_format)
        self.last_update_ms = float("nan")
        self._background = None
        self._muted = False
        if self.animated is not None:
            for artist in self.animated:
                artist.set_animated(True)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()

    @property
    def values(self):
        """Current control values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change):
        if not self._muted:
            self.refresh()

    def _draw(self):
        canvas = self.fig.canvas
        if self.animated is None:
            canvas.draw()
            return
        if self._background is None:
            canvas.draw()  # everything except the animated artists
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        canvas.restore_region(self._background)
        for artist in self.animated:
            self.fig.draw_artist(artist)

    def _encode(self):
        import io

        from PIL import Image

        rgba = np.asarray(self.fig.canvas.buffer_rgba())
        buffer = io.BytesIO()
        if self.image_format == "png":
            Image.fromarray(rgba).save(buffer, format="png", compress_level=1)
        else:
            Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(buffer, format="jpeg", quality=90)
        return buffer.getvalue()

    def refresh(self):
        """Call ``update`` with the current values, draw the figure, and show it."""
        start = time.perf_counter()
        self._update(**self.values)
        self._draw()
        if self.render_enabled:
            self.view.value = self._encode()
        self.last_update_ms = 1000.0 * (time.perf_counter() - start)

    def set(self, **values):
        """Set several controls at once and update once.

        Raises
        ------
        KeyError
            For a name that is not one of the controls.
        """
        unknown = set(values) - set(self.controls)
        if unknown:
            raise KeyError(f"unknown controls {sorted(unknown)}; this panel has {sorted(self.controls)}")
        self._muted = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._muted = False
        self.refresh()

    def image(self):
        """The figure as currently shown, as an RGBA uint8 array (H, W, 4)."""
        self._draw()
        return np.asarray(self.fig.canvas.buffer_rgba()).copy()

    def widget(self):
        """The controls and the figure as one ipywidgets box: controls above it, or to its left."""
        import ipywidgets as widgets

        controls = list(self.controls.values())
        if self.layout == "left":
            return widgets.HBox([widgets.VBox(controls), self.view])
        return widgets.VBox([widgets.HBox(controls), self.view])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget())


def histogram_bars(ax, edges, **bar_kwargs):
    """Draw an empty histogram (all heights 0) on ``ax`` with the given bin edges.

    Returns the :class:`matplotlib.container.BarContainer`; fill it with
    :func:`set_bar_heights`.

    Examples
    --------
    >>> ax = new_figure((2, 2)).add_subplot()
    >>> bars = histogram_bars(ax, np.linspace(0, 1, 11))
    >>> len(bars)
    10
    """
    edges = np.asarray(edges, dtype=float)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("edges must be an increasing 1-D array of at least 2 values")
    bar_kwargs.setdefault("align", "edge")
    return ax.bar(edges[:-1], np.zeros(len(edges) - 1), width=np.diff(edges), **bar_kwargs)


def set_bar_heights(bars, heights):
    """Set the heights of a histogram's bars in place.

    Examples
    --------
    >>> ax = new_figure((2, 2)).add_subplot()
    >>> bars = histogram_bars(ax, [0, 1, 2])
    >>> set_bar_heights(bars, [3, 4])
    >>> [float(b.get_height()) for b in bars]
    [3.0, 4.0]
    """
    heights = np.asarray(heights, dtype=float)
    if heights.shape != (len(bars),):
        raise ValueError(f"heights must have {len(bars)} values; got shape {heights.shape}")
    for rect, h in zip(bars, heights):
        rect.set_height(h)


def snapshots(panel, settings, quality=85, direction="column"):
    """A static picture of ``panel`` at several settings, in a column or a row (for readers without a kernel).

    The panel's own rendering is used pixel for pixel (no resampling), so put the
    settings in the panel's title text. Each setting is a dict of control values; the
    panel is left at the last one.

    Parameters
    ----------
    panel : Panel
    settings : sequence of dict
    quality : int
        JPEG quality (noise images are large as PNG).
    direction : {"column", "row"}
        Stack the pictures top to bottom (wide panels) or left to right (small ones).

    Returns
    -------
    IPython.display.Image
        JPEG; it is shown when it is the last value of a notebook cell. Its pixels are
        in ``.pixels`` (uint8 RGB array).
    """
    import io

    from IPython.display import Image as IPythonImage
    from PIL import Image

    if direction not in ("column", "row"):
        raise ValueError(f"direction must be 'column' or 'row'; got {direction!r}")
    settings = list(settings)
    if not settings:
        raise ValueError("settings is empty")
    pictures = []
    for values in settings:
        panel.set(**values)
        pictures.append(panel.image()[..., :3])
    stacked = mosaic(pictures, ncols=1 if direction == "column" else len(pictures), pad=6, pad_value=255)
    buffer = io.BytesIO()
    Image.fromarray(stacked).save(buffer, format="jpeg", quality=int(quality))
    result = IPythonImage(data=buffer.getvalue(), format="jpeg")
    result.pixels = stacked
    return result


# --------------------------------------------------------------------------- notebook 01


def noise_explorer(image, rng=0, max_level=0.5, bins=80, render=True):
    """Panel: noise type, strength and clip on/off; image, histogram and PSNR update together.

    Parameters
    ----------
    image : array_like
        Clean float image in [0, 1] (grey or colour).
    rng : int
        Seed: the same seed is used at every update, so moving the slider scales one
        fixed noise pattern instead of flickering between random ones.
    max_level : float
        Largest value of the strength slider.
    bins : int
        Histogram bins over [-0.5, 1.5] (unclipped noise leaves [0, 1]).
    render : bool
        See :class:`Panel`.

    Returns
    -------
    Panel
        Controls ``kind`` (Dropdown over :data:`helpers.noise.NOISE_KINDS`),
        ``level`` (FloatSlider: the std, or the fraction for salt and pepper),
        ``clip`` (Checkbox).

    Examples
    --------
    >>> panel = noise_explorer(np.full((32, 32), 0.5, dtype=np.float32), render=False)
    >>> panel.set(kind="salt_and_pepper", level=0.2)
    >>> "PSNR" in panel.fig.texts[0].get_text()
    True
    """
    import ipywidgets as widgets

    from .image_quality import psnr
    from .checks import float_image
    from .noise import NOISE_KINDS, add_noise

    clean = float_image(image, "image", min_ndim=2)
    if not isinstance(rng, (int, np.integer)) or isinstance(rng, bool):
        raise TypeError(f"rng must be an int seed (reused at every update); got {rng!r}")
    edges = np.linspace(-0.5, 1.5, int(bins) + 1)
    clean_counts = np.histogram(clean, edges)[0] / clean.size

    fig = new_figure((9.0, 4.0))
    ax_img = fig.add_axes([0.01, 0.04, 0.42, 0.84])
    ax_hist = fig.add_axes([0.52, 0.13, 0.45, 0.75])
    artist = ax_img.imshow(clean, cmap="gray" if clean.ndim == 2 else None, vmin=0.0, vmax=1.0,
                           interpolation="nearest")
    ax_img.set_axis_off()
    bars = histogram_bars(ax_hist, edges, color="tab:blue", alpha=0.8, label="noisy")
    outline = ax_hist.stairs(clean_counts, edges, color="black", linewidth=1.0, label="clean")
    limits = [ax_hist.axvline(x, color="tab:red", linewidth=0.8, linestyle="--") for x in (0.0, 1.0)]
    ax_hist.set_xlim(edges[0], edges[-1])
    ax_hist.set_ylim(0, 1.15 * max(clean_counts.max(), 1e-9))
    ax_hist.set_xlabel("pixel value")
    ax_hist.set_ylabel("fraction of pixels")
    ax_hist.legend(loc="upper right", fontsize=8)
    title = fig.text(0.01, 0.93, "", fontsize=11)
    ylim_text = ax_hist.text(0.02, 0.95, "", transform=ax_hist.transAxes, fontsize=8, va="top")
    animated = [artist, *bars, outline, *limits, title, ylim_text]  # drawn in this order

    def update(kind, level, clip):
        noisy = add_noise(clean, kind, level, clip=clip, rng=rng)
        artist.set_data(noisy)
        counts = np.histogram(noisy, edges)[0] / noisy.size
        set_bar_heights(bars, counts)
        top = ax_hist.get_ylim()[1]
        over = counts.max() > top
        ylim_text.set_text(f"tallest bar {counts.max():.2f} (cut)" if over else "")
        outside = float(np.mean((noisy < 0) | (noisy > 1)))
        value = psnr(clean, noisy)
        title.set_text(f"{kind}, level {level:.3f}, clip={'on' if clip else 'off'}:  "
                       f"PSNR {value:.1f} dB,  {100 * outside:.1f}% of values outside [0, 1]")

    controls = {
        "kind": widgets.Dropdown(options=list(NOISE_KINDS), value="gaussian", description="noise"),
        "level": widgets.FloatSlider(value=0.1, min=0.0, max=float(max_level), step=0.005,
                                     readout_format=".3f", description="σ / amount"),
        "clip": widgets.Checkbox(value=True, description="clip to [0, 1]"),
    }
    return Panel(fig, controls, update, animated=animated, render=render, image_format="jpeg")
