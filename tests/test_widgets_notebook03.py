"""The panels of notebook 03: they show what their helpers compute, redraw in place, and refuse bad input."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from helpers import convolution as conv  # noqa: E402
from helpers.widgets import (UPSAMPLING_METHODS, checkerboard_contrast, fid_explorer, kernel_explorer,  # noqa: E402
                             learning_rate_explorer, upsample_by, upsampling_explorer, upsampling_kernel)


@pytest.fixture(scope="module")
def digit():
    from helpers.data import load_mnist_sample, to_float

    return to_float(load_mnist_sample("train")[0][1])


def artist_count(fig):
    return sum(len(ax.get_children()) for ax in fig.axes) + len(fig.texts)


def test_kernel_explorer_shows_the_convolution_with_its_stride_and_padding(digit):
    panel = kernel_explorer(digit, render=False)
    n_artists = artist_count(panel.fig)
    for stride, padding in ((1, "same"), (2, "valid"), (3, "same")):
        panel.set(stride=stride, kernel="vertical edges (Sobel x)", padding=padding)
        out = panel.fig.axes[2].images[0].get_array()
        want = conv.conv2d(digit, conv.CLASSIC_KERNELS["vertical edges (Sobel x)"], stride, padding)
        np.testing.assert_allclose(out, want)
        dots = panel.fig.axes[0].lines[1]
        assert len(dots.get_xdata()) == want.size          # one kernel centre per output value
        assert f"-> {want.shape[0]}×{want.shape[1]} output" in panel.fig.texts[0].get_text()
    assert artist_count(panel.fig) == n_artists            # redrawn in place: no artist added


def test_kernel_centres_follow_the_stride_and_start_inside_for_valid_padding(digit):
    panel = kernel_explorer(digit, render=False)
    panel.set(stride=2, padding="valid", kernel="box blur")
    xs = np.unique(panel.fig.axes[0].lines[1].get_xdata())
    assert xs[0] == 1 and np.all(np.diff(xs) == 2)          # a 3x3 kernel that fits is centred at pixel 1


def test_upsampling_explorer_measures_the_checkerboard():
    flat = np.full((28, 28), 0.5, np.float32)
    panel = upsampling_explorer(flat, render=False)
    small = np.full((14, 14), 0.5)
    contrasts = {}
    for method in UPSAMPLING_METHODS:
        for seed in (0, 7):
            panel.set(seed=seed, method=method)
            out = upsample_by(method, small, upsampling_kernel(method, seed))
            np.testing.assert_allclose(panel.fig.axes[1].images[0].get_array(), out)
            contrasts[method, seed] = checkerboard_contrast(out)
    assert contrasts["transposed conv 3×3, stride 2", 0] > 0.5      # stamps overlap unevenly
    assert contrasts["transposed conv 4×4, stride 2", 0] < 1e-6     # even stamps
    assert contrasts["transposed conv 4×4, stride 2", 7] > 0.01     # a random kernel brings it back
    for method in UPSAMPLING_METHODS[2:]:
        assert contrasts[method, 7] < 1e-6                          # resize + conv: never


def test_upsample_by_is_the_layers_of_helpers_convolution(digit):
    small = digit.reshape(14, 2, 14, 2).mean(axis=(1, 3))
    kernel3, kernel4 = upsampling_kernel(UPSAMPLING_METHODS[2], 5), upsampling_kernel(UPSAMPLING_METHODS[1], 5)
    np.testing.assert_allclose(upsample_by(UPSAMPLING_METHODS[1], small, kernel4), conv.conv_transpose2d(small, kernel4, 2))
    np.testing.assert_allclose(upsample_by(UPSAMPLING_METHODS[2], small, kernel3),
                               conv.conv2d(conv.upsample(small, 2, "nearest"), kernel3))
    np.testing.assert_allclose(upsample_by(UPSAMPLING_METHODS[3], small, kernel3),
                               conv.conv2d(conv.upsample(small, 2, "bilinear"), kernel3))


def test_upsampling_explorer_doubles_the_halved_digit(digit):
    panel = upsampling_explorer(digit, render=False)
    panel.set(seed=3, method=UPSAMPLING_METHODS[3])
    small = digit.reshape(14, 2, 14, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(panel.fig.axes[0].images[0].get_array(), small)
    np.testing.assert_allclose(panel.fig.axes[1].images[0].get_array(),
                               upsample_by(UPSAMPLING_METHODS[3], small, upsampling_kernel(UPSAMPLING_METHODS[3], 3)))


def test_checkerboard_contrast_is_half_the_range_over_the_mean():
    stripes = np.tile([1.0, 3.0], (6, 3))                   # inner 4x4: min 1, max 3, mean 2
    assert checkerboard_contrast(stripes, border=1) == pytest.approx(0.5)


def test_upsampling_kernels_keep_the_mean_brightness():
    for method in UPSAMPLING_METHODS:
        for seed in (0, 3):
            out = upsample_by(method, np.full((8, 8), 0.5), upsampling_kernel(method, seed))
            assert out[2:-2, 2:-2].mean() == pytest.approx(0.5, rel=0.05)


def test_learning_rate_explorer_highlights_the_chosen_run_and_reports_divergence():
    runs = {"SGD": {0.1: [2.0, 1.0, 0.5], 1.0: [2.0, 50.0, np.inf], 3.0: [2.0, 3.0, 4.5]},
            "Adam": {0.1: [2.0, 0.8, 0.3], 1.0: [2.0, 1.5, 1.2], 3.0: [2.0, 90.0, 1.0]}}
    panel = learning_rate_explorer(runs, render=False)
    assert panel.values["lr"] == 0.1                        # starts at the best run of the first optimizer
    panel.set(lr=1.0)
    sgd, adam = (ax.lines[-1] for ax in panel.fig.axes)
    np.testing.assert_allclose(adam.get_ydata(), [2.0, 1.5, 1.2])
    assert panel.fig.axes[0].get_title() == "SGD, learning rate 1:\ndiverged"
    # the same statistic as the notebook's table: the mean of the last (up to) 10 steps
    assert panel.fig.axes[1].get_title() == "Adam, learning rate 1:\nloss 2.00 at step 1, last 3 steps 1.57"
    panel.set(lr=3.0)
    assert panel.fig.axes[0].get_title() == "SGD, learning rate 3:\ndiverged"          # ends above twice its start
    assert panel.fig.axes[1].get_title() == ("Adam, learning rate 3: unstable\nloss 2.00 at step 1, last 3 steps 31.00, "
                                             "peak 90")


def test_learning_rate_explorer_titles_fit_in_the_figure(monkeypatch):
    """The longest title (an unstable run with a large peak, as notebook 03's Adam at lr = 1) is not clipped."""
    import matplotlib

    monkeypatch.setitem(matplotlib.rcParams, "figure.dpi", 100)      # the course's resolution
    steps = np.arange(62)
    stable = 2.38 * np.exp(-steps / 20)
    unstable = np.full(62, 2.2)
    unstable[[3, 30]] = 1740.0
    unstable[-10:] = 3.11
    panel = learning_rate_explorer({"SGD": {0.01: stable, 1.0: stable}, "Adam": {0.01: stable, 1.0: unstable}},
                                   render=False)
    panel.set(lr=1.0)
    assert "unstable" in panel.fig.axes[1].get_title() and "peak 1.74e+03" in panel.fig.axes[1].get_title()
    panel.image()
    renderer = panel.fig.canvas.get_renderer()
    for ax in panel.fig.axes:
        box = ax.title.get_window_extent(renderer)
        assert 0 <= box.x0 and box.x1 <= panel.fig.bbox.x1 and box.y1 <= panel.fig.bbox.y1, ax.get_title()


def test_learning_rate_explorer_labels_every_grey_curve_with_its_rate(monkeypatch):
    """Each run's learning rate is written beside the end of its curve, in the order the curves end,
    apart enough to read, and inside the figure -- also for a run that ends above the plot or as NaN."""
    import matplotlib

    monkeypatch.setitem(matplotlib.rcParams, "figure.dpi", 100)
    runs = {"SGD": {1e-4: [2.3, 2.31, 2.30], 1e-3: [2.3, 2.29, 2.28], 0.1: [2.3, 1.0, 0.6], 1.0: [2.3, 9.0, np.nan]},
            "Adam": {1e-4: [2.3, 2.0, 1.8], 1e-3: [2.3, 0.9, 0.5], 0.1: [2.3, 1.2, 0.9], 1.0: [2.3, 3.0, 3.1]}}
    panel = learning_rate_explorer(runs, render=False)
    panel.image()
    renderer = panel.fig.canvas.get_renderer()
    for ax, (name, by_rate) in zip(panel.fig.axes, runs.items()):
        labels = {t.get_text(): t for t in ax.texts}
        assert set(labels) == {f"{r:g}" for r in by_rate}, name
        last = {f"{r:g}": (c[-1] if np.isfinite(c[-1]) else np.inf) for r, c in by_rate.items()}
        by_end = sorted(last, key=last.get)
        heights = [labels[label].xy[1] for label in by_end]
        assert heights == sorted(heights), (name, by_end, heights)           # same order as the curves' ends
        boxes = [labels[label].get_window_extent(renderer) for label in by_end]
        for below, above in zip(boxes, boxes[1:]):
            assert above.y0 >= below.y1 - 1, name                              # readable: no overlap
        for box in boxes:
            assert 0 <= box.x0 and box.x1 <= panel.fig.bbox.x1 and 0 <= box.y0 and box.y1 <= panel.fig.bbox.y1
        assert labels["1"].xy[1] <= ax.get_ylim()[1]                          # a diverged run: at the top edge
    assert panel.fig.axes[0].lines[-1].get_color() == "tab:red"                 # the highlight is still the last line


def test_fid_explorer_shows_the_chosen_set():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(300, 5))
    variants = {"shift": [(f"+{s}", np.full((16, 6, 6), s / 2), ref + s) for s in (0.0, 1.0, 2.0)],
                "scale": [(f"x{s}", np.zeros((16, 6, 6)), ref * s) for s in (1.0, 2.0, 3.0)]}
    fids = {"shift": [0.0, 5.0, 20.0], "scale": [0.0, 5.0, 20.0]}
    panel = fid_explorer(ref, variants, fids, render=False)
    panel.set(strength=2, kind="shift")
    assert panel.fig.texts[0].get_text() == "shift +2.0: FID 20.0"
    offsets = panel.fig.axes[1].collections[1].get_offsets()
    centre = ref.mean(0)
    _, _, vt = np.linalg.svd(ref - centre, full_matrices=False)
    projected = ((ref + 2.0) - centre) @ vt[:2].T
    assert len(offsets) == 300                                # every point of a set of 300 (at most 400 drawn)
    np.testing.assert_allclose(np.sort(offsets[:, 0]), np.sort(projected[:, 0]))
    panel.set(strength=1, kind="shift")
    sheet = panel.fig.axes[0].images[0].get_array()
    assert set(np.unique(sheet)) == {0.5, 1.0}                # the images of strength 1 (grey 0.5) and white gaps


def test_fid_explorer_keeps_every_point_inside_the_axes():
    rng = np.random.default_rng(2)
    ref = rng.normal(size=(300, 3))
    far = ref * 3.0
    far[:3] *= 20                                              # a few points far out, as with strong noise
    panel = fid_explorer(ref, {"noise": [("", np.zeros((16, 4, 4)), far)]}, {"noise": [1.0]}, render=False)
    ax = panel.fig.axes[1]
    for points in (c.get_offsets() for c in ax.collections):
        assert ax.get_xlim()[0] <= points[:, 0].min() and points[:, 0].max() <= ax.get_xlim()[1]
        assert ax.get_ylim()[0] <= points[:, 1].min() and points[:, 1].max() <= ax.get_ylim()[1]


def test_fid_explorer_shows_a_random_sample_not_the_first_images():
    ref = np.random.default_rng(1).normal(size=(1000, 3))
    images = np.repeat(np.arange(1000.0)[:, None, None] / 1000, 4, axis=1).repeat(4, axis=2)  # image i is grey i/1000
    panel = fid_explorer(ref, {"same": [("", images, ref)]}, {"same": [0.0]}, render=False)
    shown = panel.fig.axes[0].images[0].get_array()
    assert shown[shown < 1].max() > 0.2      # not only the first 16 images (all darker than 0.016; gaps are white)
    assert len(panel.fig.axes[1].collections[0].get_offsets()) == 400


@pytest.mark.parametrize("make, match", [
    (lambda: kernel_explorer(np.zeros((8, 8, 3))), "grey image"),
    (lambda: kernel_explorer(np.zeros((8, 8)), kernels={}), "empty"),
    (lambda: kernel_explorer(np.zeros((8, 8)), kernels={"a": np.ones((3, 3)), "b": np.ones((5, 5))}), "one size"),
    (lambda: kernel_explorer(np.zeros((8, 8)), max_stride=0), "max_stride"),
    (lambda: upsampling_explorer(np.zeros((7, 8))), "even sides"),
    (lambda: upsampling_kernel("cubic", 0), "method must be one of"),
    (lambda: upsampling_kernel(UPSAMPLING_METHODS[0], -1), "seed"),
    (lambda: checkerboard_contrast(np.zeros((8, 8))), "positive mean"),
    (lambda: learning_rate_explorer({}), "non-empty"),
    (lambda: learning_rate_explorer({"a": {0.1: [1.0]}, "b": {0.2: [1.0]}}), "same learning rates"),
    (lambda: learning_rate_explorer({"a": {-0.1: [1.0]}}), "positive"),
    (lambda: fid_explorer(np.zeros((10, 2)), {"a": [("x", np.zeros((16, 4, 4)), np.zeros((5, 3)))]}, {"a": [1.0]}),
     "features must have shape"),
    (lambda: fid_explorer(np.zeros((10, 2)), {"a": [("x", np.zeros((16, 4, 4)), np.zeros((5, 2)))]}, {"a": []}),
     "one FID per strength"),
])
def test_bad_input_is_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()
