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

Panels (one per notebook topic): :func:`noise_explorer` (notebook 01); :func:`pdf_explorer`
(notebook 02); :func:`kernel_explorer`, :func:`upsampling_explorer`, :func:`learning_rate_explorer`
and :func:`fid_explorer` (notebook 03); :func:`forward_process_explorer` and
:func:`precomputed_explorer` (notebook 06); :func:`landscape_explorer` (notebook 07).

The figure is a plain :class:`matplotlib.figure.Figure` with an Agg canvas
(:func:`new_figure`); each refresh draws only the changing artists over a cached
background (blitting) and sends the picture to an ``ipywidgets.Image``. This works
with the default inline backend, in JupyterLab and in Colab, without ipympl.
"""

from __future__ import annotations

import time

import numpy as np

from . import checks
from .plotting import mosaic

__all__ = ["new_figure", "Panel", "histogram_bars", "set_bar_heights", "snapshots", "noise_explorer",
           "kernel_explorer", "upsampling_explorer", "learning_rate_explorer", "UPSAMPLING_METHODS",
           "upsampling_kernel", "upsample_by", "checkerboard_contrast", "fid_explorer",
           "forward_process_explorer", "precomputed_explorer", "landscape_explorer", "pdf_explorer",
           "PDF_SIGMA_RANGE"]


def new_figure(figsize, dpi=None):
    """A matplotlib Figure with its own Agg canvas, not managed by pyplot.

    pyplot would show it again at the end of the cell with the inline backend; a
    :class:`Panel` shows it itself. ``dpi``: the course's resolution by default
    (:func:`helpers.plotting.use_course_style`).
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

    Raises
    ------
    ValueError
        If ``edges`` is not an increasing 1-D array of at least 2 finite values.
    TypeError
        If ``edges`` is complex or not numeric.

    Examples
    --------
    >>> ax = new_figure((2, 2)).add_subplot()
    >>> bars = histogram_bars(ax, np.linspace(0, 1, 11))
    >>> len(bars)
    10
    """
    edges = checks.finite(edges, "edges")
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("edges must be an increasing 1-D array of at least 2 values")
    bar_kwargs.setdefault("align", "edge")
    return ax.bar(edges[:-1], np.zeros(len(edges) - 1), width=np.diff(edges), **bar_kwargs)


def set_bar_heights(bars, heights):
    """Set the heights of a histogram's bars in place.

    Raises
    ------
    ValueError
        If ``heights`` does not have one value per bar or holds NaN or infinite values (a NaN
        bar would silently not be drawn).
    TypeError
        If ``heights`` is complex or not numeric.

    Examples
    --------
    >>> ax = new_figure((2, 2)).add_subplot()
    >>> bars = histogram_bars(ax, [0, 1, 2])
    >>> set_bar_heights(bars, [3, 4])
    >>> [float(b.get_height()) for b in bars]
    [3.0, 4.0]
    """
    heights = checks.finite(heights, "heights")
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


def _display_sampler(shape, fig, ax):
    """A function that picks, from an image of ``shape``, the pixels ``ax`` can show at the figure's dpi.

    An image larger than its axes is shown with nearest-neighbour sampling anyway; picking those
    pixels with NumPy indexing before ``imshow`` gives the same picture at the same size and
    spares matplotlib resampling the whole array on every redraw (about half the drawing time
    of a 512 x 512 image). Images that fit, or whose displayed size or corner falls between
    pixels, are returned unchanged. For grey images (2-D) only:
    matplotlib resamples colour images along another path, which this does not reproduce.
    """
    height, width = shape
    box = ax.get_position().transformed(fig.transFigure)           # the axes in pixels
    scale = min(box.width / width, box.height / height)
    size = np.array([height, width]) * scale
    if scale >= 1.0 or np.abs(size - np.round(size)).max() > 1e-6 or any(abs(v - round(v)) > 1e-6 for v in box.p0):
        return lambda image: image       # fits, or lands on fractional pixels (Agg's sampling there is not copied)
    def centres(n_in, n_out):   # the input pixel under each output pixel's centre (ties go down, as in Agg)
        return np.clip(np.ceil((np.arange(n_out) + 0.5) / scale).astype(int) - 1, 0, n_in - 1)

    rows = centres(height, int(round(height * scale)))
    cols = centres(width, int(round(width * scale)))
    return lambda image: image[rows][:, cols]


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

    Raises
    ------
    ValueError
        If ``image`` is empty, has too few dimensions, or holds NaN, infinite or out-of-range
        values (:func:`helpers.checks.float_image`; nothing is clipped).
    TypeError
        If ``image`` has a dtype other than float, uint8 or bool (complex included).

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
    shown = _display_sampler(clean.shape, fig, ax_img) if clean.ndim == 2 else (lambda image: image)
    artist = ax_img.imshow(shown(clean), cmap="gray" if clean.ndim == 2 else None, vmin=0.0, vmax=1.0,
                           interpolation="nearest")
    ax_img.set_axis_off()
    # One filled step patch, not one rectangle per bin: a single path to transform and draw.
    bars = ax_hist.stairs(np.zeros(len(edges) - 1), edges, fill=True, color="tab:blue", alpha=0.8,
                          linewidth=0, label="noisy")
    outline = ax_hist.stairs(clean_counts, edges, color="black", linewidth=1.0, label="clean")
    limits = [ax_hist.axvline(x, color="tab:red", linewidth=0.8, linestyle="--") for x in (0.0, 1.0)]
    ax_hist.set_xlim(edges[0], edges[-1])
    ax_hist.set_ylim(0, 1.15 * max(clean_counts.max(), 1e-9))
    ax_hist.set_xlabel("pixel value")
    ax_hist.set_ylabel("fraction of pixels")
    from matplotlib.patches import Patch   # the legend shows a box, as for bars

    ax_hist.legend(handles=[outline, Patch(facecolor="tab:blue", edgecolor="none", alpha=0.8, label="noisy")],
                   loc="upper right", fontsize=8)
    title = fig.text(0.01, 0.93, "", fontsize=11)
    ylim_text = ax_hist.text(0.02, 0.95, "", transform=ax_hist.transAxes, fontsize=8, va="top")
    animated = [artist, bars, outline, *limits, title, ylim_text]  # drawn in this order

    def update(kind, level, clip):
        noisy = add_noise(clean, kind, level, clip=clip, rng=rng)
        artist.set_data(shown(noisy))
        # bins + range: numpy's fast path for equal bins (same counts as the edges array)
        counts = np.histogram(noisy, len(edges) - 1, (edges[0], edges[-1]))[0] / noisy.size
        bars.set_data(counts)
        top = ax_hist.get_ylim()[1]
        over = counts.max() > top
        ylim_text.set_text(f"tallest bar {counts.max():.2f} (cut)" if over else "")
        outside = float(np.mean((noisy < 0) | (noisy > 1)))
        value = psnr(clean, noisy)
        title.set_text(f"{kind}, σ / amount {level:.3f}, clip={'on' if clip else 'off'}:  "
                       f"PSNR {value:.1f} dB,  {100 * outside:.1f}% of values outside [0, 1]")

    controls = {
        "kind": widgets.Dropdown(options=list(NOISE_KINDS), value="gaussian", description="noise"),
        "level": widgets.FloatSlider(value=0.1, min=0.0, max=float(max_level), step=0.005,
                                     readout_format=".3f", description="σ / amount"),
        "clip": widgets.Checkbox(value=True, description="clip to [0, 1]"),
    }
    return Panel(fig, controls, update, animated=animated, render=render, image_format="jpeg")


# --------------------------------------------------------------------------- notebook 02

#: The range of the σ slider of :func:`pdf_explorer`. Its smallest value is notebook 02's example of a
#: density above 1 (a Gaussian with σ = 0.1 peaks at 3.99); the y-axis is fixed to show that peak.
PDF_SIGMA_RANGE = (0.1, 2.0)


def pdf_explorer(n_samples=20_000, seed=1, render=True):
    """Panel: mean μ and standard deviation σ; a Gaussian and a uniform density with their samples.

    The same ``n_samples`` standard-normal numbers ``z`` (and uniform numbers ``u``) are drawn
    once and transformed at every update: ``mu + sigma * z`` for the Gaussian, and the uniform on
    ``[mu - sqrt(3) sigma, mu + sqrt(3) sigma)`` (the same mean and standard deviation) from ``u``.
    Each histogram (bins of width 0.05 on [-6, 6], scaled to area 1, drawn as one filled step
    patch) is drawn under its density. The y-axis is fixed, from 0 to just above the Gaussian's
    peak at the smallest σ (:data:`PDF_SIGMA_RANGE`), so moving σ shows the peak grow and shrink;
    the title gives each peak and each area under the density on the plotted grid.

    Parameters
    ----------
    n_samples : int
        Samples per histogram (at least 100).
    seed : int
        Seed of the samples, drawn once and reused at every update.
    render : bool
        See :class:`Panel`.

    Returns
    -------
    Panel
        Controls ``mu`` (FloatSlider -2..2) and ``sigma`` (FloatSlider over :data:`PDF_SIGMA_RANGE`).

    Raises
    ------
    ValueError
        If ``n_samples`` is not a whole number of at least 100, or ``seed`` is negative.
    TypeError
        If ``n_samples`` or ``seed`` is not an integer.

    Examples
    --------
    >>> panel = pdf_explorer(1000, render=False)
    >>> panel.set(mu=0.0, sigma=0.1)
    >>> panel.fig.texts[0].get_text().startswith("μ = 0.00, σ = 0.10: peak 3.99")
    True
    """
    import ipywidgets as widgets

    from .density import gaussian_pdf, uniform_pdf

    n_samples = checks.integer(n_samples, "n_samples", minimum=100)
    rng = np.random.default_rng(checks.integer(seed, "seed", minimum=0))
    z, u = rng.standard_normal(n_samples), rng.random(n_samples)
    edges = np.linspace(-6.0, 6.0, 241)
    grid = np.linspace(-6.0, 6.0, 1201)
    step = grid[1] - grid[0]
    low, high = PDF_SIGMA_RANGE
    top = 1.05 * float(gaussian_pdf(0.0, 0.0, low))

    fig = new_figure((9.0, 3.4))
    ax_g, ax_u = fig.subplots(1, 2)
    hist_g = ax_g.stairs(np.zeros(len(edges) - 1), edges, fill=True, color="tab:blue", alpha=0.6, linewidth=0)
    hist_u = ax_u.stairs(np.zeros(len(edges) - 1), edges, fill=True, color="tab:orange", alpha=0.6, linewidth=0)
    line_g, = ax_g.plot(grid, 0 * grid, "k", linewidth=1.2)
    line_u, = ax_u.plot(grid, 0 * grid, "k", linewidth=1.2)
    for ax, name in ((ax_g, "Gaussian: samples μ + σz and the PDF"), (ax_u, "uniform, same mean and std")):
        ax.set_xlim(edges[0], edges[-1])
        ax.set_ylim(0, top)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("x")
    ax_g.set_ylabel("density")
    title = fig.text(0.01, 0.95, "", fontsize=10)
    fig.subplots_adjust(top=0.82, bottom=0.15, left=0.06, right=0.98, wspace=0.15)

    def update(mu, sigma):
        half = np.sqrt(3.0) * sigma
        # bins + range: NumPy's fast path for equal bins; divide by n x width for area 1
        width = edges[1] - edges[0]
        hist_g.set_data(np.histogram(mu + sigma * z, len(edges) - 1, (edges[0], edges[-1]))[0] / (n_samples * width))
        hist_u.set_data(np.histogram(mu + half * (2 * u - 1), len(edges) - 1, (edges[0], edges[-1]))[0]
                        / (n_samples * width))
        pg, pu = gaussian_pdf(grid, mu, sigma), uniform_pdf(grid, mu - half, mu + half)
        line_g.set_ydata(pg)
        line_u.set_ydata(pu)
        title.set_text(f"μ = {mu:.2f}, σ = {sigma:.2f}: peak {pg.max():.2f}, area {pg.sum() * step:.3f}   |   "
                       f"uniform: height {1 / (2 * half):.2f}, area {pu.sum() * step:.3f}")

    controls = {
        "mu": widgets.FloatSlider(value=0.0, min=-2.0, max=2.0, step=0.05, description="μ"),
        "sigma": widgets.FloatSlider(value=1.0, min=low, max=high, step=0.05, description="σ"),
    }
    return Panel(fig, controls, update, animated=[hist_g, hist_u, line_g, line_u, title], render=render,
                 image_format="jpeg")



# --------------------------------------------------------------------------- notebook 03


def _kernel_centres(n, kernel, stride, padding):
    """Input coordinates (pixel centres) where the kernel is centred for each output pixel."""
    from .convolution import _same_padding, output_size

    before = _same_padding(n, kernel, stride)[0] if padding == "same" else 0
    return np.arange(output_size(n, kernel, stride, padding)) * stride - before + (kernel - 1) / 2


def kernel_explorer(image, kernels=None, max_stride=3, render=True):
    """Panel: a 3x3 kernel slides over an image; pick the kernel, the stride and the padding.

    Left, the input with a dot wherever the kernel is centred for one output value (every
    ``stride`` pixels; with ``"same"`` padding the kernel also sits over the border, where the
    dashed frame marks the zeros added around the image). Middle, the kernel's weights.
    Right, the output (red positive, blue negative), drawn over the same area as the input so
    that a larger stride shows as fewer, larger pixels; the title gives its shape.

    Parameters
    ----------
    image : array_like of float in [0, 1], shape (H, W)
    kernels : dict of str -> (k, k) array, optional
        Kernels to choose from (default :data:`helpers.convolution.CLASSIC_KERNELS`).
    max_stride : int
        Largest value of the stride slider.
    render : bool
        See :class:`Panel`.

    Returns
    -------
    Panel
        Controls ``stride`` (IntSlider), ``kernel`` (Dropdown), ``padding`` (Dropdown).

    Raises
    ------
    TypeError
        If ``image`` has a dtype other than float, uint8 or bool (complex included).
    ValueError
        If ``image`` is empty, has the wrong number of dimensions, or holds NaN, infinite or
        out-of-range values (:func:`helpers.checks.float_image`; nothing is clipped).

    Examples
    --------
    >>> panel = kernel_explorer(np.zeros((28, 28)), render=False)
    >>> panel.set(stride=2, kernel="box blur", padding="valid")
    >>> panel.fig.texts[0].get_text()
    'box blur, stride 2, padding "valid": 28×28 input -> 13×13 output'
    """
    import ipywidgets as widgets

    from . import checks
    from .convolution import CLASSIC_KERNELS, PADDINGS, conv2d

    img = checks.float_image(image, "image", min_ndim=2)
    if img.ndim != 2:
        raise ValueError(f"image must be a grey image (H, W); got shape {img.shape}")
    kernels = dict(CLASSIC_KERNELS if kernels is None else kernels)
    if not kernels:
        raise ValueError("kernels is empty")
    sizes = set()
    for name, k in kernels.items():
        k = np.asarray(k, dtype=float)
        if k.ndim != 2 or k.shape[0] != k.shape[1] or not np.isfinite(k).all():
            raise ValueError(f"kernel {name!r} must be a finite square 2-D array; got shape {k.shape}")
        kernels[name] = k
        sizes.add(k.shape[0])
    if len(sizes) != 1:
        raise ValueError(f"all kernels must have one size; got sizes {sorted(sizes)}")
    ksize = sizes.pop()
    max_stride = checks.integer(max_stride, "max_stride")
    h, w = img.shape

    fig = new_figure((9.0, 3.5))
    ax_in = fig.add_axes([0.01, 0.04, 0.36, 0.8])
    ax_k = fig.add_axes([0.40, 0.28, 0.18, 0.4])
    ax_out = fig.add_axes([0.62, 0.04, 0.36, 0.8])
    margin = ksize // 2 + 0.5
    for ax in (ax_in, ax_out):
        ax.set_xlim(-margin - 0.6, w - 1 + margin + 0.6)
        ax.set_ylim(h - 1 + margin + 0.6, -margin - 0.6)
        ax.set_autoscale_on(False)
        ax.set_xticks([])
        ax.set_yticks([])
    ax_in.imshow(img, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax_in.set_title("input, • = kernel centres", fontsize=9)
    frame, = ax_in.plot([], [], "--", color="tab:orange", linewidth=1)
    dots, = ax_in.plot([], [], ".", color="tab:red", markersize=2)
    k_artist = ax_k.imshow(np.zeros((ksize, ksize)), cmap="RdBu_r", vmin=-1, vmax=1)
    ax_k.set_xticks([])
    ax_k.set_yticks([])
    ax_k.set_title("kernel", fontsize=9)
    k_texts = [ax_k.text(j, i, "", ha="center", va="center", fontsize=8)
               for i in range(ksize) for j in range(ksize)]
    out_artist = ax_out.imshow(np.zeros((h, w)), cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest",
                               extent=(-0.5, w - 0.5, h - 0.5, -0.5))
    out_title = ax_out.text(0.5, 1.02, "", transform=ax_out.transAxes, ha="center", fontsize=9)
    title = fig.text(0.01, 0.93, "", fontsize=10)
    animated = [frame, dots, k_artist, *k_texts, out_artist, out_title, title]

    def update(stride, kernel, padding):
        k = kernels[kernel]
        out = conv2d(img, k, stride, padding)
        rows, cols = _kernel_centres(h, ksize, stride, padding), _kernel_centres(w, ksize, stride, padding)
        grid_x, grid_y = np.meshgrid(cols, rows)
        dots.set_data(grid_x.ravel(), grid_y.ravel())
        lo_r, hi_r = rows[0] - ksize / 2, rows[-1] + ksize / 2     # the area the kernel touches
        lo_c, hi_c = cols[0] - ksize / 2, cols[-1] + ksize / 2
        frame.set_data([lo_c, hi_c, hi_c, lo_c, lo_c], [lo_r, lo_r, hi_r, hi_r, lo_r])
        scale = float(np.abs(k).max()) or 1.0
        k_artist.set_data(k)
        k_artist.set_clim(-scale, scale)
        for text, value in zip(k_texts, k.ravel()):
            text.set_text(f"{value:.2g}")
            text.set_color("white" if abs(value) > 0.5 * scale else "black")   # readable on dark cells
        out_artist.set_data(out)
        out_artist.set_extent((cols[0] - stride / 2, cols[-1] + stride / 2, rows[-1] + stride / 2,
                               rows[0] - stride / 2))
        top = float(np.abs(out).max()) or 1.0
        out_artist.set_clim(-top, top)
        out_title.set_text(f"output, values in [{out.min():.2g}, {out.max():.2g}]")
        title.set_text(f'{kernel}, stride {stride}, padding "{padding}": '
                       f"{h}×{w} input -> {out.shape[0]}×{out.shape[1]} output")

    names = list(kernels)
    controls = {
        "stride": widgets.IntSlider(value=1, min=1, max=max_stride, description="stride"),
        "kernel": widgets.Dropdown(options=names, value=names[min(1, len(names) - 1)], description="kernel"),
        "padding": widgets.Dropdown(options=list(PADDINGS), value="same", description="padding"),
    }
    return Panel(fig, controls, update, animated=animated, render=render)


UPSAMPLING_METHODS = (
    "transposed conv 3×3, stride 2",
    "transposed conv 4×4, stride 2",
    "nearest ×2, then conv 3×3",
    "bilinear ×2, then conv 3×3",
)


def upsampling_kernel(method, seed):
    """The kernel :func:`upsampling_explorer` uses: uniform for ``seed`` 0, else random positive.

    Transposed-convolution kernels are scaled to sum to 4 (each of the 4 output pixels of a
    stride-2 step receives on average a quarter of the kernel), resize-then-convolve kernels to
    sum to 1, so that a flat grey input keeps its brightness on average.

    Examples
    --------
    >>> upsampling_kernel("transposed conv 4×4, stride 2", 0).sum()
    np.float64(4.0)
    """
    if method not in UPSAMPLING_METHODS:
        raise ValueError(f"method must be one of {UPSAMPLING_METHODS}; got {method!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    size = 4 if "4×4" in method else 3
    kernel = np.ones((size, size)) if seed == 0 else 0.2 + np.random.default_rng(seed).random((size, size))
    return kernel * (4.0 if method.startswith("transposed") else 1.0) / kernel.sum()


def upsample_by(method, x, kernel):
    """Double the side of a grey image (H, W) with one of :data:`UPSAMPLING_METHODS` and ``kernel``.

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.
    ValueError
        If ``x`` is empty, not (H, W), or holds NaN or infinite values.
    """
    from .convolution import conv2d, conv_transpose2d, upsample

    if method.startswith("transposed"):
        return conv_transpose2d(x, kernel, stride=2, padding="same")
    return conv2d(upsample(x, 2, "nearest" if method.startswith("nearest") else "bilinear"), kernel)


def checkerboard_contrast(output, border=2):
    """How uneven an upsampled flat image is: (max - min) / (2 mean) away from the border.

    0 for a perfectly flat output; 0.5 means the pixels vary by ±50 % around their mean.

    Raises
    ------
    TypeError
        If ``output`` is complex or not numeric.
    ValueError
        If ``output`` is not 2-D and larger than twice the border, holds NaN or infinite values,
        or has no positive mean away from the border.

    Examples
    --------
    >>> checkerboard_contrast(np.ones((8, 8)))
    0.0
    """
    arr = checks.finite(output, "output")
    if arr.ndim != 2 or min(arr.shape) <= 2 * border:
        raise ValueError(f"output must be 2-D and larger than twice the border; got shape {arr.shape}")
    inner = arr[border:-border, border:-border]
    mean = float(inner.mean())
    if mean <= 0:
        raise ValueError("output must have a positive mean away from the border")
    return float((inner.max() - inner.min()) / (2 * mean))


def upsampling_explorer(image, max_seed=30, render=True):
    """Panel: double a digit's resolution by transposed convolution or by resize + convolution.

    The image is first halved (2x2 averages), then doubled again by the chosen method with a
    uniform kernel (seed 0) or a random one with positive weights (simpler than an untrained
    layer's, whose weights take both signs; the stamps overlap in the same way). Left to
    right: the half-size input, the doubled digit, and the doubled *flat grey* image drawn
    relative to its mean (white = mean, red brighter, blue darker): any pattern there is made
    by the layer itself -- a checkerboard artifact.

    Parameters
    ----------
    image : array_like of float in [0, 1], shape (H, W) with even H and W
    max_seed : int
        Largest value of the kernel-seed slider.
    render : bool
        See :class:`Panel`.

    Returns
    -------
    Panel
        Controls ``seed`` (IntSlider, 0 = uniform kernel) and ``method`` (Dropdown over
        :data:`UPSAMPLING_METHODS`).

    Raises
    ------
    TypeError
        If ``image`` has a dtype other than float, uint8 or bool (complex included).
    ValueError
        If ``image`` is empty, has the wrong number of dimensions, or holds NaN, infinite or
        out-of-range values (:func:`helpers.checks.float_image`; nothing is clipped).

    Examples
    --------
    >>> panel = upsampling_explorer(np.full((28, 28), 0.5), render=False)
    >>> panel.set(seed=0, method="transposed conv 4×4, stride 2")
    >>> "±0%" in panel.fig.texts[0].get_text()
    True
    """
    import ipywidgets as widgets

    from . import checks

    img = checks.float_image(image, "image", min_ndim=2)
    if img.ndim != 2 or img.shape[0] % 2 or img.shape[1] % 2:
        raise ValueError(f"image must be a grey image (H, W) with even sides; got shape {img.shape}")
    max_seed = checks.integer(max_seed, "max_seed")
    small = img.reshape(img.shape[0] // 2, 2, img.shape[1] // 2, 2).mean(axis=(1, 3))
    flat = np.full_like(small, 0.5)

    fig = new_figure((9.0, 3.4))
    axes = [fig.add_axes([0.01 + 0.33 * i, 0.04, 0.31, 0.78]) for i in range(3)]
    for ax in axes:
        ax.set_axis_off()
    axes[0].imshow(small, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[0].set_title(f"input {small.shape[0]}×{small.shape[1]}", fontsize=9)
    digit = axes[1].imshow(img, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[1].set_title(f"output {img.shape[0]}×{img.shape[1]}", fontsize=9)
    pattern = axes[2].imshow(np.ones_like(img), cmap="RdBu_r", vmin=0.5, vmax=1.5, interpolation="nearest")
    axes[2].set_title("flat grey input: output / its mean (0.5 to 1.5)", fontsize=9)
    title = fig.text(0.01, 0.93, "", fontsize=10)

    def update(seed, method):
        kernel = upsampling_kernel(method, seed)
        digit.set_data(upsample_by(method, small, kernel))
        out_flat = upsample_by(method, flat, kernel)
        inner = out_flat[2:-2, 2:-2]
        pattern.set_data(out_flat / inner.mean())
        contrast = checkerboard_contrast(out_flat)
        title.set_text(f"{method}, {'uniform' if seed == 0 else f'random kernel (seed {seed})'}: "
                       f"flat input varies by ±{100 * contrast:.0f}% after upsampling")

    controls = {
        "seed": widgets.IntSlider(value=0, min=0, max=max_seed, description="kernel seed"),
        "method": widgets.Dropdown(options=list(UPSAMPLING_METHODS), value=UPSAMPLING_METHODS[0],
                                   description="method", layout=widgets.Layout(width="340px")),
    }
    return Panel(fig, controls, update, animated=[digit, pattern, title], render=render)


def _final_loss(losses, last=10):
    """Mean of the last ``last`` losses of a run (NaN if any of them is not finite)."""
    return float(np.mean(losses[-last:]))


def _label_curve_ends(ax, ends, top, gap=0.08):
    """Write each curve's label just right of its last point, nudged apart vertically.

    ``ends``: label -> (x, y) of the curve's last point in the plot (y already inside [0, top]).
    Labels closer than ``gap * top`` are pushed apart (upwards, then back down if the highest
    would leave the axes), so that each stays readable next to the curve it names.
    """
    order = sorted(ends, key=lambda label: ends[label][1])
    ys = []
    for label in order:
        ys.append(max(ends[label][1], ys[-1] + gap * top) if ys else ends[label][1])
    overflow = ys[-1] - 0.97 * top if ys else 0.0
    if overflow > 0:
        ys = [max(y - overflow, 0.0) for y in ys]
        for i in range(1, len(ys)):
            ys[i] = max(ys[i], ys[i - 1] + gap * top)
    for label, y in zip(order, ys):
        ax.annotate(label, (ends[label][0], y), xytext=(3, 0), textcoords="offset points",
                    va="center", ha="left", fontsize=7, color="0.45", annotation_clip=False)


def learning_rate_explorer(runs, render=True):
    """Panel: training-loss curves measured at several learning rates; a slider picks one.

    Every run is drawn in grey with its learning rate written at its right end (at the top
    edge if it ended above the plot or not finite); the chosen one is drawn again in red.

    Parameters
    ----------
    runs : dict of str -> dict of float -> sequence of float
        For each optimizer (one plot each), the loss per step at each learning rate. Every
        optimizer must have the same learning rates. Diverged runs may hold inf/NaN: they are
        drawn up to where they leave the plot. The title gives the loss at the first step and
        the mean of the last 10 steps (fewer if the run is shorter), the statistic a table of
        final losses would print; it calls a run "diverged" when its loss ends non-finite or
        above twice its start, "unstable" when it rose above twice its start on the way.
    render : bool
        See :class:`Panel`.

    Returns
    -------
    Panel
        Control ``lr`` (SelectionSlider over the learning rates).

    Examples
    --------
    >>> runs = {"SGD": {0.1: [2.3, 1.0, 0.5], 1.0: [2.3, 9.0, float("nan")]}}
    >>> panel = learning_rate_explorer(runs, render=False)
    >>> panel.set(lr=1.0)
    >>> panel.fig.axes[0].get_title()
    'SGD, learning rate 1:\\ndiverged'
    >>> panel.set(lr=0.1)
    >>> panel.fig.axes[0].get_title()
    'SGD, learning rate 0.1:\\nloss 2.30 at step 1, last 3 steps 1.27'
    """
    import ipywidgets as widgets

    if not isinstance(runs, dict) or not runs:
        raise ValueError("runs must be a non-empty dict: optimizer name -> {learning rate: losses}")
    rates = None
    curves = {}
    for name, by_rate in runs.items():
        if not isinstance(by_rate, dict) or not by_rate:
            raise ValueError(f"runs[{name!r}] must be a non-empty dict learning rate -> losses")
        these = sorted(float(r) for r in by_rate)
        if any(not (np.isfinite(r) and r > 0) for r in these):
            raise ValueError(f"learning rates must be positive numbers; got {these}")
        if rates is None:
            rates = these
        elif these != rates:
            raise ValueError(f"every optimizer needs the same learning rates; {name!r} has {these}, "
                             f"the first has {rates}")
        curves[name] = {}
        for r, losses in by_rate.items():
            losses = np.asarray(losses, dtype=float)
            if losses.ndim != 1 or len(losses) == 0:
                raise ValueError(f"runs[{name!r}][{r}] must be a non-empty 1-D sequence of losses")
            curves[name][float(r)] = losses
    finite = [c[np.isfinite(c)] for by in curves.values() for c in by.values()]
    start = max(float(c[0]) for c in finite if len(c))
    top = 1.5 * start

    fig = new_figure((4.4 * len(curves), 3.2))
    axes = fig.subplots(1, len(curves), squeeze=False)[0]
    highlighted = {}
    for ax, (name, by_rate) in zip(axes, curves.items()):
        steps = max(len(c) for c in by_rate.values())
        ends = {}
        for r in rates:
            c = np.clip(by_rate[r], None, 10 * top)            # drawing only: leaves the plot upwards
            ax.plot(np.arange(1, len(c) + 1), c, color="0.8", linewidth=0.8)
            last = c[-1] if np.isfinite(c[-1]) else np.inf
            ends[f"{r:g}"] = (len(c), float(np.clip(last, 0.0, top)))
        _label_curve_ends(ax, ends, top)
        highlighted[name], = ax.plot([], [], color="tab:red", linewidth=1.8)
        ax.set(xlim=(1, steps), ylim=(0, top), xlabel="step", ylabel="training loss")
        ax.set_autoscale_on(False)
    fig.tight_layout(rect=(0, 0, 1, 0.88))
    titles = {name: ax.set_title("", fontsize=9) for ax, name in zip(axes, curves)}

    def update(lr):
        for name, by_rate in curves.items():
            c = by_rate[lr]
            highlighted[name].set_data(np.arange(1, len(c) + 1), np.clip(c, None, 10 * top))
            tail = f"last {min(len(c), 10)} steps {_final_loss(c):.2f}"
            if not np.isfinite(c).all() or c[-1] > 2 * c[0]:
                verdict = ":\ndiverged"
            elif c.max() > 2 * c[0]:        # the word on the first line: the second must fit the axes' width
                verdict = f": unstable\nloss {c[0]:.2f} at step 1, {tail}, peak {c.max():.3g}"
            else:
                verdict = f":\nloss {c[0]:.2f} at step 1, {tail}"
            titles[name].set_text(f"{name}, learning rate {lr:g}{verdict}")

    best = min(rates, key=lambda r: np.nan_to_num(_final_loss(curves[next(iter(curves))][r]), nan=np.inf))
    controls = {"lr": widgets.SelectionSlider(options=[(f"{r:g}", r) for r in rates], value=best,
                                              description="learning rate")}
    return Panel(fig, controls, update, animated=[*highlighted.values(), *titles.values()], render=render)


def _ellipse(mean, cov, scale=2.0, points=64):
    """Points of the ``scale``-standard-deviation ellipse of a 2-D Gaussian."""
    w, v = np.linalg.eigh((cov + cov.T) / 2)
    angle = np.linspace(0, 2 * np.pi, points)
    circle = np.stack([np.cos(angle), np.sin(angle)])
    return (mean[:, None] + scale * (v * np.sqrt(np.clip(w, 0, None))) @ circle).T


def fid_explorer(reference_features, variants, fids, seed=0, render=True):
    """Panel: degraded images, their features beside the reference features as two Gaussians, and the FID.

    The features (64-D for the course classifier) are projected on the two principal
    directions of the reference features; each set is drawn as points and as the ellipse of
    its fitted Gaussian (2 standard deviations). FID compares the full 64-D Gaussians; the
    plane only shows two of the 64 directions.

    Parameters
    ----------
    reference_features : array_like, shape (N, D)
        Features of the reference images (e.g. the training digits).
    variants : dict of str -> list of (label, images, features)
        For each kind of change, one entry per strength (every kind the same number of
        strengths): a label such as ``"σ = 1.0"``, images (n, H, W) in [0, 1] (the first 16
        are shown) and their features (m, D).
    fids : dict of str -> sequence of float
        The FID of every entry of ``variants`` against the reference (computed beforehand, so
        that a slider move only redraws).
    seed : int
        Chooses which (at most 400) points of each set are drawn and which 16 images are shown:
        the same positions in every set, so one sees the same digits change.
    render : bool
        See :class:`Panel`.

    Returns
    -------
    Panel
        Controls ``strength`` (IntSlider over the entries) and ``kind`` (Dropdown).

    Raises
    ------
    TypeError
        If ``reference_features`` is complex or not numeric.
    ValueError
        If ``reference_features`` is not a finite (N >= 3, D) array, or ``variants`` and
        ``fids`` do not match it and each other.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=(200, 4))
    >>> variants = {"shift": [(f"+{s}", np.zeros((16, 8, 8)), ref + s) for s in (0.0, 1.0)]}
    >>> panel = fid_explorer(ref, variants, {"shift": [0.0, 4.0]}, render=False)
    >>> panel.set(strength=1, kind="shift")
    >>> panel.fig.texts[0].get_text()
    'shift +1.0: FID 4.0'
    """
    import ipywidgets as widgets

    ref = checks.real_array(reference_features, "reference_features")
    if ref.ndim != 2 or len(ref) < 3 or not np.isfinite(ref).all():
        raise ValueError(f"reference_features must be finite, shape (N >= 3, D); got {ref.shape}")
    if not isinstance(variants, dict) or not variants:
        raise ValueError("variants must be a non-empty dict: kind -> [(label, images, features), ...]")
    lengths = {kind: len(entries) for kind, entries in variants.items()}
    if len(set(lengths.values())) != 1 or 0 in lengths.values():
        raise ValueError(f"every kind needs the same, non-zero number of strengths; got {lengths}")
    for kind, entries in variants.items():
        if kind not in fids or len(fids[kind]) != len(entries):
            raise ValueError(f"fids[{kind!r}] must hold one FID per strength ({len(entries)})")
        for label, images, feats in entries:
            feats = np.asarray(feats)
            if feats.ndim != 2 or feats.shape[1] != ref.shape[1]:
                raise ValueError(f"variants[{kind!r}] {label!r}: features must have shape (m, {ref.shape[1]}); "
                                 f"got {feats.shape}")
            if np.asarray(images).ndim != 3 or len(images) < 16:
                raise ValueError(f"variants[{kind!r}] {label!r}: give at least 16 images (n, H, W)")
    rng = np.random.default_rng(seed)
    shown = rng.permutation(min(len(images) for entries in variants.values() for _, images, _ in entries))[:16]
    drawn = {n: rng.permutation(n)[:400] for n in {len(ref)} | {len(f) for e in variants.values() for *_, f in e}}
    centre = ref.mean(axis=0)
    _, _, vt = np.linalg.svd(ref - centre, full_matrices=False)
    basis = vt[:2].T                                          # (D, 2): the two leading directions
    project = lambda f: (np.asarray(f, float) - centre) @ basis  # noqa: E731
    ref2 = project(ref)

    def tile(images):
        return mosaic(np.asarray(images, dtype=np.float32)[shown], ncols=4)

    prepared = {kind: [(label, tile(images), project(feats), fid) for (label, images, feats), fid
                       in zip(entries, fids[kind])] for kind, entries in variants.items()}
    everything = np.concatenate([ref2] + [p[2] for entries in prepared.values() for p in entries])
    low, high = everything.min(axis=0), everything.max(axis=0)   # every point inside the axes
    pad = 0.05 * (high - low)

    fig = new_figure((9.0, 4.0))
    ax_img = fig.add_axes([0.01, 0.04, 0.36, 0.8])
    ax_img.set_axis_off()
    first = next(iter(prepared.values()))[0]
    sheet = ax_img.imshow(first[1], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax = fig.add_axes([0.47, 0.12, 0.5, 0.72])
    ax.scatter(*ref2[drawn[len(ref2)]].T, s=4, color="0.6", label="reference")
    ax.plot(*_ellipse(ref2.mean(0), np.cov(ref2, rowvar=False)).T, color="0.3", linewidth=1.5)
    points = ax.scatter(*first[2][drawn[len(first[2])]].T, s=4, color="tab:red", alpha=0.6, label="changed images")
    ellipse, = ax.plot([], [], color="tab:red", linewidth=1.5)
    ax.set(xlim=(low[0] - pad[0], high[0] + pad[0]), ylim=(low[1] - pad[1], high[1] + pad[1]),
           xlabel="feature principal direction 1", ylabel="direction 2")
    ax.set_autoscale_on(False)
    ax.legend(loc="upper right", fontsize=8, markerscale=3)
    title = fig.text(0.01, 0.92, "", fontsize=11)

    def update(strength, kind):
        label, tiled, feats2, fid_value = prepared[kind][strength]
        sheet.set_data(tiled)
        points.set_offsets(feats2[drawn[len(feats2)]])
        ellipse.set_data(*_ellipse(feats2.mean(0), np.cov(feats2, rowvar=False)).T)
        title.set_text(f"{kind} {label}: FID {fid_value:.1f}")

    n = next(iter(lengths.values()))
    controls = {
        "strength": widgets.IntSlider(value=0, min=0, max=n - 1, description="strength"),
        "kind": widgets.Dropdown(options=list(variants), value=next(iter(variants)), description="change"),
    }
    return Panel(fig, controls, update, animated=[sheet, points, ellipse, title], render=render)


# --------------------------------------------------------------------------- notebook 06


def forward_process_explorer(images, seed=0, schedules=("linear", "cosine", "flow"), bins=60, render=True):
    """Panel: time ``t`` and noise schedule; noisy digits ``x_t``, their pixel histogram and the SNR.

    Shows ``x_t = alpha(t) x_0 + sigma(t) eps`` (:func:`helpers.diffusion_process.q_sample`) for the
    given digits mapped to [-1, 1], with one fixed noise draw (so moving ``t`` fades one pattern
    in, instead of flickering). Pixels are drawn on the fixed scale [-1, 1] (black to white);
    values beyond it are shown saturated, and the histogram shows all of them.

    Parameters
    ----------
    images : array_like of float in [0, 1], shape (n, 28, 28) or (n, 28, 28, 1), n <= 16
    seed : int
        Seed of the noise draw, reused at every update.
    schedules : sequence of str
        Names offered by the dropdown (see :data:`helpers.diffusion_process.SCHEDULES`).
    render : bool
        See :class:`Panel`.

    Returns
    -------
    Panel
        Controls ``t`` (FloatSlider 0..1) and ``schedule`` (Dropdown).

    Raises
    ------
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).
    ValueError
        If ``images`` is empty, has the wrong number of dimensions, or holds NaN, infinite or
        out-of-range values (:func:`helpers.checks.float_image`; nothing is clipped).

    Examples
    --------
    >>> panel = forward_process_explorer(np.zeros((4, 28, 28), np.float32), render=False)
    >>> panel.set(t=1.0, schedule="flow")
    >>> "SNR" in panel.fig.texts[0].get_text()
    True
    """
    import ipywidgets as widgets

    from .data import check_digit_images
    from .diffusion_process import SCHEDULES, alpha_sigma, q_sample, signal_to_noise

    x0 = check_digit_images(images, "images") * 2.0 - 1.0
    if len(x0) > 16:
        raise ValueError(f"images holds {len(x0)} digits; at most 16 fit the panel")
    schedules = list(schedules)
    if not schedules:
        raise ValueError("schedules must name at least one schedule")
    for name in schedules:
        checks.choice(name, "schedules", SCHEDULES)
    noise = np.random.default_rng(checks.integer(seed, "seed", minimum=0)).standard_normal(x0.shape)
    ncols = 8
    edges = np.linspace(-3.0, 3.0, int(bins) + 1)

    fig = new_figure((9.0, 2.9 if len(x0) <= ncols else 3.6))
    ax_img = fig.add_axes([0.01, 0.04, 0.62, 0.8])
    ax_hist = fig.add_axes([0.69, 0.17, 0.29, 0.67])
    artist = ax_img.imshow(mosaic(x0, ncols), cmap="gray", vmin=-1.0, vmax=1.0, interpolation="nearest")
    ax_img.set_axis_off()
    bars = histogram_bars(ax_hist, edges, color="tab:blue", alpha=0.8)
    ax_hist.set_xlim(edges[0], edges[-1])
    ax_hist.set_ylim(0, 0.5)
    ax_hist.set_xlabel("pixel value of $x_t$")
    ax_hist.set_ylabel("fraction of pixels")
    title = fig.text(0.01, 0.9, "", fontsize=10)

    def update(t, schedule):
        x_t = q_sample(x0, t, schedule, noise=noise)
        artist.set_data(mosaic(x_t, ncols))
        set_bar_heights(bars, np.histogram(x_t, edges)[0] / x_t.size)
        alpha, sigma = (float(v) for v in alpha_sigma(t, schedule))
        snr = float(signal_to_noise(t, schedule))
        snr_text = "inf" if not np.isfinite(snr) else f"{snr:.3g} ({10 * np.log10(snr):.1f} dB)" if snr > 0 else "0"
        title.set_text(f"{schedule} schedule, t = {t:.2f}:  alpha = {alpha:.3f},  sigma = {sigma:.3f},  "
                       f"SNR = alpha²/sigma² = {snr_text}")

    controls = {
        "t": widgets.FloatSlider(value=0.3, min=0.0, max=1.0, step=0.01, description="t"),
        "schedule": widgets.Dropdown(options=schedules, value=schedules[0], description="schedule"),
    }
    return Panel(fig, controls, update, animated=[artist, *bars, title], render=render)


def precomputed_explorer(pictures, controls, describe, ncols=10, figsize=(9.0, 2.6), render=True):
    """Panel that re-shows precomputed digit grids: one grid per combination of control values.

    Nothing is computed when a control moves: the update looks the grid up, so it is as fast as
    drawing an image (the expensive part, e.g. sampling a model, happened before).

    Parameters
    ----------
    pictures : dict
        Maps a tuple of control values (in the order of ``controls``) to float images in [0, 1],
        shape (n, H, W) or (n, H, W, 1) (values outside [0, 1] are refused, not clipped).
    controls : dict of str -> ipywidgets widget
    describe : callable
        ``describe(**values) -> str``: the title for the current values (put the numbers there,
        so :func:`snapshots` shows them).
    ncols : int
        Images per row of the grid (:func:`helpers.plotting.mosaic`).

    Returns
    -------
    Panel

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> grids = {(k,): np.full((4, 28, 28), k / 2) for k in (0, 1, 2)}
    >>> panel = precomputed_explorer(grids, {"k": widgets.IntSlider(0, 0, 2)},
    ...                              lambda k: f"k = {k}", render=False)
    >>> panel.set(k=2)
    >>> panel.fig.texts[0].get_text()
    'k = 2'
    """
    if not pictures:
        raise ValueError("pictures is empty")
    names = list(controls)
    grids = {}
    for key, images in pictures.items():
        key = key if isinstance(key, tuple) else (key,)
        if len(key) != len(names):
            raise ValueError(f"pictures keys must be tuples of {len(names)} values ({names}); got {key!r}")
        images = checks.float_image(images, f"pictures[{key!r}]", min_ndim=3)
        if images.ndim == 4 and images.shape[-1] == 1:
            images = images[..., 0]
        if images.ndim != 3:
            raise ValueError(f"pictures[{key!r}] must have shape (n, H, W); got {images.shape}")
        grids[key] = mosaic(images, ncols)
    shapes = {g.shape for g in grids.values()}
    if len(shapes) != 1:
        raise ValueError(f"every entry of pictures must tile to the same size; got {sorted(shapes)}")
    fig = new_figure(figsize)
    ax = fig.add_axes([0.0, 0.0, 1.0, 0.86])
    ax.set_axis_off()
    artist = ax.imshow(next(iter(grids.values())), cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    title = fig.text(0.01, 0.92, "", fontsize=10)

    def update(**values):
        key = tuple(values[name] for name in names)
        if key not in grids:
            raise KeyError(f"no precomputed picture for {dict(zip(names, key))}")
        artist.set_data(grids[key])
        title.set_text(describe(**values))

    return Panel(fig, controls, update, animated=[artist, title], render=render)


def landscape_explorer(shape=(128, 256), sea_level=0.45, seed=0, octaves=5, render=True):
    """Panel: a fractal-noise landscape (:func:`helpers.procedural.landscape`) with seed and octave sliders.

    The height field is coloured with the ``"terrain"`` palette; the title gives the share of water
    (heights below ``sea_level``, where the palette turns from water to sand).

    Parameters
    ----------
    shape : tuple of two ints
        Height and width of the landscape in pixels (checked by :func:`helpers.procedural.landscape`).
    sea_level : float in (0, 1)
        Height below which a pixel counts as water in the title.
    seed, octaves : int
        The sliders' starting values (seed 0..50, octaves 1..8).
    render : bool
        See :class:`Panel`.

    Returns
    -------
    Panel
        Controls ``seed`` and ``octaves`` (IntSliders).

    Raises
    ------
    ValueError
        If ``sea_level`` is not a finite number strictly between 0 and 1, or ``seed``/``octaves``
        lie outside their sliders' ranges.

    Examples
    --------
    >>> panel = landscape_explorer((32, 64), render=False)
    >>> panel.set(seed=3, octaves=2)
    >>> panel.fig.texts[0].get_text().startswith("seed 3, 2 octaves")
    True
    """
    import ipywidgets as widgets

    from . import procedural

    sea_level = checks.real(sea_level, "sea_level", low=0.0, high=1.0, low_open=True)
    if sea_level == 1.0:
        raise ValueError("sea_level must be < 1; got 1")
    seed = checks.integer(seed, "seed", minimum=0)
    octaves = checks.integer(octaves, "octaves", minimum=1)
    if seed > 50 or octaves > 8:
        raise ValueError(f"seed must be at most 50 and octaves at most 8 (the sliders' ranges); got {seed}, {octaves}")
    height0 = procedural.landscape(shape, seed=seed, octaves=octaves)
    fig = new_figure((8.0, 4.3))
    ax = fig.add_axes([0.0, 0.0, 1.0, 0.9])
    ax.set_axis_off()
    art = ax.imshow(procedural.colorize(height0, "terrain"), interpolation="nearest")
    title = fig.text(0.01, 0.94, "", fontsize=10)

    def draw(seed, octaves):
        height = procedural.landscape(shape, seed=seed, octaves=octaves)
        art.set_data(procedural.colorize(height, "terrain"))
        title.set_text(f"seed {seed}, {octaves} octave{'s' if octaves > 1 else ''}: "
                       f"{np.mean(height < sea_level):.0%} water")

    return Panel(fig, {"seed": widgets.IntSlider(seed, 0, 50, description="seed"),
                       "octaves": widgets.IntSlider(octaves, 1, 8, description="octaves")},
                 draw, animated=[art, title], render=render)
