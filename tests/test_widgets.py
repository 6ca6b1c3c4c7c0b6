"""helpers.widgets: panels update their artists in place, blitting draws the same picture, the noise explorer."""

import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from helpers.image_quality import psnr  # noqa: E402
from helpers.noise import add_noise  # noqa: E402
from helpers.widgets import Panel, histogram_bars, new_figure, noise_explorer, set_bar_heights, snapshots  # noqa: E402


@pytest.fixture(scope="module")
def camera():
    import skimage.data

    return skimage.data.camera()[::4, ::4].astype(np.float32) / np.float32(255)


def simple_panel(**kwargs):
    fig = new_figure((2, 2))
    ax = fig.add_subplot()
    ax.set_ylim(-1, 1)
    line, = ax.plot([0, 1], [0, 0])
    calls = []

    def update(a, b):
        calls.append((a, b))
        line.set_ydata([a, b])

    controls = {"a": widgets.FloatSlider(value=0.0, min=-1, max=1), "b": widgets.FloatSlider(value=0.0, min=-1, max=1)}
    return Panel(fig, controls, update, **kwargs), line, calls


def test_panel_updates_on_control_change_and_set_updates_once():
    panel, line, calls = simple_panel(animated=None)
    assert calls == [(0.0, 0.0)]  # the initial draw
    panel.controls["a"].value = 0.5
    assert calls[-1] == (0.5, 0.0) and list(line.get_ydata()) == [0.5, 0.0]
    n = len(calls)
    panel.set(a=-0.5, b=0.25)
    assert len(calls) == n + 1 and calls[-1] == (-0.5, 0.25)
    assert panel.values == {"a": -0.5, "b": 0.25}
    assert panel.last_update_ms > 0
    assert panel.view.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_panel_rejects_unknown_controls_and_bad_arguments():
    panel, _, _ = simple_panel()
    with pytest.raises(KeyError, match="unknown controls"):
        panel.set(c=1)
    fig = new_figure((2, 2))
    with pytest.raises(ValueError, match="controls"):
        Panel(fig, {}, lambda: None)
    with pytest.raises(TypeError, match="callable"):
        Panel(fig, {"a": widgets.FloatSlider()}, None)
    with pytest.raises(ValueError, match="image_format"):
        Panel(fig, {"a": widgets.FloatSlider()}, lambda a: None, image_format="gif")
    with pytest.raises(ValueError, match="layout"):
        Panel(fig, {"a": widgets.FloatSlider()}, lambda a: None, layout="right")


def test_panel_layout_puts_the_controls_above_or_left_of_the_figure():
    top, _, _ = simple_panel()
    box = top.widget()
    assert isinstance(box, widgets.VBox) and isinstance(box.children[0], widgets.HBox)
    assert box.children[1] is top.view and list(box.children[0].children) == list(top.controls.values())
    left, _, _ = simple_panel(layout="left")
    box = left.widget()
    assert isinstance(box, widgets.HBox) and isinstance(box.children[0], widgets.VBox)
    assert box.children[1] is left.view and list(box.children[0].children) == list(left.controls.values())


def test_blitting_draws_the_same_picture_as_a_full_redraw():
    blit, _, _ = simple_panel(animated=None)
    blit2, line2, _ = simple_panel()
    blit2.animated = [line2]
    line2.set_animated(True)
    for panel in (blit, blit2):
        panel.set(a=0.7, b=-0.3)
    full_picture, blit_picture = blit.image(), blit2.image()
    assert full_picture.shape == blit_picture.shape
    assert np.abs(full_picture.astype(int) - blit_picture.astype(int)).mean() < 1.0
    blit2.set(a=-0.7, b=0.3)  # and it really changed
    assert np.abs(blit2.image().astype(int) - blit_picture.astype(int)).mean() > 0.1


def test_histogram_bars():
    ax = new_figure((2, 2)).add_subplot()
    bars = histogram_bars(ax, np.linspace(0, 1, 6))
    assert [b.get_height() for b in bars] == [0.0] * 5
    set_bar_heights(bars, [1, 2, 3, 4, 5])
    assert [float(b.get_height()) for b in bars] == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="5 values"):
        set_bar_heights(bars, [1, 2])
    with pytest.raises(ValueError, match="increasing"):
        histogram_bars(ax, [0, 1, 0.5])


def test_noise_explorer_shows_the_noisy_image_histogram_and_psnr(camera):
    panel = noise_explorer(camera, rng=3, bins=40)
    assert set(panel.controls) == {"kind", "level", "clip"}
    panel.set(kind="gaussian", level=0.2, clip=False)
    expected = add_noise(camera, "gaussian", 0.2, clip=False, rng=3)
    image_artist = panel.fig.axes[0].images[0]
    assert np.array_equal(image_artist.get_array(), expected)
    edges = np.linspace(-0.5, 1.5, 41)
    noisy_bars, = [p for p in panel.fig.axes[1].patches if p.get_label() == "noisy"]
    assert np.allclose(noisy_bars.get_data().values, np.histogram(expected, edges)[0] / expected.size)
    text = panel.fig.texts[0].get_text()
    assert f"PSNR {psnr(camera, expected):.1f} dB" in text
    outside = 100 * np.mean((expected < 0) | (expected > 1))
    assert outside > 1 and f"{outside:.1f}% of values outside" in text
    panel.set(clip=True)
    assert "0.0% of values outside" in panel.fig.texts[0].get_text()
    for kind in panel.controls["kind"].options:
        panel.set(kind=kind, level=0.1)
        assert kind in panel.fig.texts[0].get_text()


@pytest.mark.parametrize("shape, sampled_shape", [((512, 512), (336, 336)), ((300, 700), (162, 378)),
                                                  ((700, 333), (700, 333))])   # 159.8 px wide: not sampled
def test_noise_explorer_shows_a_large_image_as_imshow_would(monkeypatch, shape, sampled_shape):
    """A large grey image is sampled for display beforehand; the rendered figure is the same, pixel for pixel."""
    import matplotlib

    import helpers.widgets as W

    monkeypatch.setitem(matplotlib.rcParams, "figure.dpi", 100)      # the course's resolution
    rng = np.random.default_rng(0)
    image = rng.random(shape).astype(np.float32)
    settings = [dict(kind="gaussian", level=0.1, clip=True), dict(kind="speckle", level=0.3, clip=False)]
    sampled = noise_explorer(image, rng=1, render=False)
    assert sampled.fig.axes[0].images[0].get_array().shape == sampled_shape
    pictures = []
    for values in settings:
        sampled.set(**values)
        pictures.append(sampled.image())
    monkeypatch.setattr(W, "_display_sampler", lambda shape, fig, ax: (lambda image: image))
    full = noise_explorer(image, rng=1, render=False)                   # matplotlib resamples the full array
    assert full.fig.axes[0].images[0].get_array().shape[:2] == shape[:2]
    for values, picture in zip(settings, pictures):
        full.set(**values)
        assert np.array_equal(full.image(), picture)


def test_noise_explorer_rejects_bad_input(camera):
    with pytest.raises(ValueError, match="image"):
        noise_explorer(camera + 1)
    with pytest.raises(TypeError, match="rng"):
        noise_explorer(camera, rng=np.random.default_rng(0))


def test_snapshots(camera):
    panel = noise_explorer(camera)
    first = panel.set(level=0.05) or panel.image()[..., :3]
    picture = snapshots(panel, [{"level": 0.05}, {"level": 0.3, "clip": False}])
    assert picture.data[:2] == b"\xff\xd8"  # JPEG
    h = first.shape[0]
    assert picture.pixels.shape == (2 * h + 6, first.shape[1], 3)
    assert np.array_equal(picture.pixels[:h], first)
    assert not np.array_equal(picture.pixels[h + 6:], first)
    assert panel.values["level"] == 0.3
    with pytest.raises(ValueError, match="empty"):
        snapshots(panel, [])


def test_snapshots_in_a_row(camera):
    panel = noise_explorer(camera)
    first = panel.set(level=0.05) or panel.image()[..., :3]
    picture = snapshots(panel, [{"level": 0.05}, {"level": 0.3}, {"level": 0.1}], direction="row")
    h, w = first.shape[:2]
    assert picture.pixels.shape == (h, 3 * w + 2 * 6, 3)
    assert np.array_equal(picture.pixels[:, :w], first)
    assert (picture.pixels[:, w:w + 6] == 255).all()
    with pytest.raises(ValueError, match="direction"):
        snapshots(panel, [{"level": 0.05}], direction="diagonal")


def test_landscape_explorer_draws_the_landscape_and_refuses_bad_settings():
    from helpers import procedural
    from helpers.widgets import landscape_explorer

    panel = landscape_explorer((32, 64), sea_level=0.45, render=False)
    panel.set(seed=3, octaves=2)
    height = procedural.landscape((32, 64), seed=3, octaves=2)
    shown = np.asarray(panel.fig.axes[0].images[0].get_array())
    np.testing.assert_array_equal(shown, procedural.colorize(height, "terrain"))
    assert f"{np.mean(height < 0.45):.0%} water" in panel.fig.texts[0].get_text()
    for bad in (0.0, 1.0, float("nan"), 2.0):
        with pytest.raises(ValueError, match="sea_level"):
            landscape_explorer((32, 64), sea_level=bad, render=False)
    with pytest.raises(ValueError, match="seed"):
        landscape_explorer((32, 64), seed=51, render=False)



def test_pdf_explorer_reaches_sigma_0_1_and_keeps_every_peak_in_view():
    """Notebook 02 talks about σ = 0.1 (a density above 1): the σ slider must reach it, and the fixed
    y-axis must hold the Gaussian's peak at every σ of the slider; the histograms have area 1."""
    from helpers.density import gaussian_cdf, gaussian_pdf
    from helpers.widgets import PDF_SIGMA_RANGE, pdf_explorer

    panel = pdf_explorer(5000, seed=1, render=False)
    sigma = panel.controls["sigma"]
    assert sigma.min <= 0.1 and PDF_SIGMA_RANGE == (sigma.min, sigma.max)
    ax_g, ax_u = panel.fig.axes
    for s in (sigma.min, 0.5, 1.0, sigma.max):
        panel.set(mu=0.0, sigma=s)
        peak = float(gaussian_pdf(0.0, 0.0, s))
        assert peak < ax_g.get_ylim()[1] and ax_g.get_ylim() == ax_u.get_ylim()
        inside = 2 * float(gaussian_cdf(6.0, 0.0, s)) - 1       # the plotted range is [-6, 6]
        assert f"σ = {s:.2f}: peak {peak:.2f}, area {inside:.3f}" in panel.fig.texts[0].get_text()
        if s > 1.0:
            continue                                             # some samples lie beyond 6 (3 σ)
        for ax in (ax_g, ax_u):
            heights, edges = ax.patches[0].get_data()[:2]
            assert np.sum(heights * np.diff(edges)) == pytest.approx(1.0, abs=1e-9)  # all samples inside [-6, 6]
    panel.set(mu=0.0, sigma=0.1)
    heights = ax_g.patches[0].get_data()[0]
    assert heights.max() > 3.0   # the histogram itself shows a density above 1, not only the curve
    with pytest.raises(ValueError, match="n_samples"):
        pdf_explorer(10, render=False)
    with pytest.raises(ValueError, match="seed"):
        pdf_explorer(1000, seed=-1, render=False)
