"""How long does one slider update of the course's panels take?

Notebook 01's noise explorer, for a 512x512 image: one update = add the noise
(helpers.noise.add_noise) + histogram + PSNR + updating the artists + drawing them over the
cached background + encoding the JPEG that goes to the browser. For comparison, the naive
way -- a full ``canvas.draw()`` of the whole figure with its ticks and labels on every
change -- is timed too, and the re-plotting way (clear the axes, imshow and hist again).

Notebook 02's density panel (helpers.widgets.pdf_explorer): every update moves 20,000 samples,
histograms them twice (240 bins each) and evaluates two densities on 1,201 grid points, over the
whole σ range (down to 0.1).

Notebook 03's panels (kernel explorer, upsampling explorer, learning-rate explorer, FID
explorer), built as the notebook builds them, each moved through settings that cover all
of its controls (the learning-rate and FID panels show precomputed results: their update
only redraws).

Notebook 06's panels, built as the notebook builds them: the forward-process explorer (noises 8
digits at every update) and the two panels that re-show the precomputed samples of the shipped
diffusion model in data/diffusion_sweeps.npz (steps; class and guidance scale).

Notebook 07's landscape explorer (helpers.widgets.landscape_explorer): every update computes a
128x256 fractal-noise height field with up to 8 octaves and colours it.

Target: every panel under 100 ms per update on a 2-core CPU.

Run: ``python benchmarks/widget_redraw.py [repeats]``
"""

from __future__ import annotations

import sys
import time

import numpy as np


def _time(fn, repeats):
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append(1000.0 * (time.perf_counter() - start))
    return np.array(times)


def main(repeats=30):
    import matplotlib

    matplotlib.use("Agg")
    from helpers.data import load_image
    from helpers.noise import NOISE_KINDS, add_noise
    from helpers.widgets import new_figure, noise_explorer

    image = load_image("camera")
    assert image.shape == (512, 512)
    panel = noise_explorer(image, rng=0)
    settings = [dict(kind=NOISE_KINDS[i % len(NOISE_KINDS)], level=0.02 + 0.01 * (i % 30),
                     clip=bool(i % 2)) for i in range(repeats)]

    def blit(i):
        panel.set(**settings[i])

    full_panel = noise_explorer(image, rng=0)  # the same panel without blitting
    for artist in full_panel.animated:
        artist.set_animated(False)
    full_panel.animated = None

    def full(i):
        full_panel.set(**settings[i])

    def replot(i):
        fig = new_figure((9.0, 4.0))
        ax1, ax2 = fig.subplots(1, 2)
        noisy = add_noise(image, settings[i]["kind"], settings[i]["level"], clip=settings[i]["clip"], rng=0)
        ax1.imshow(noisy, cmap="gray", vmin=0, vmax=1)
        ax2.hist(noisy.ravel(), bins=80, range=(-0.5, 1.5))
        fig.canvas.draw()

    blit(0)  # warm-up (first draw caches the background)
    rows = [(f"explorer update (blitting + {panel.image_format.upper()}), as used", _time(blit, repeats)),
            (f"same panel, full canvas redraw + {panel.image_format.upper()}", _time(full, repeats)),
            ("re-plot from scratch (drawing only, no encode)", _time(replot, max(5, repeats // 3)))]
    print(f"noise explorer, 512x512 camera image, {repeats} updates over all noise kinds")
    print(f"{'method':<44} {'median ms':>10} {'p90 ms':>8} {'max ms':>8}")
    for name, t in rows:
        print(f"{name:<44} {np.median(t):>10.1f} {np.percentile(t, 90):>8.1f} {t.max():>8.1f}")
    per_kind = {}
    for i, t in enumerate(rows[0][1]):
        per_kind.setdefault(settings[i]["kind"], []).append(t)
    print("explorer update by noise kind (median ms): "
          + ", ".join(f"{kind} {np.median(t):.1f}" for kind, t in per_kind.items()))
    median = float(np.median(rows[0][1]))
    print(f"target < 100 ms: {'met' if median < 100 else 'NOT met'} (median {median:.1f} ms)")
    print()
    for number, timer in (("02", notebook02), ("03", notebook03), ("06", notebook06), ("07", notebook07)):
        medians = timer(repeats)
        worst = max(medians.values())
        print(f"target < 100 ms for every notebook-{number} panel: {'met' if worst < 100 else 'NOT met'} "
              f"(slowest median {worst:.1f} ms)")
        print()
    return 0


def notebook02(repeats):
    """Time notebook 02's density panel (mean and σ sliders) at the notebook's size; return {panel: median ms}."""
    from helpers.widgets import PDF_SIGMA_RANGE, pdf_explorer

    low, high = PDF_SIGMA_RANGE
    sigmas = np.linspace(low, high, repeats)
    panels = {"density explorer (20,000 samples)": (pdf_explorer(20_000, seed=1),
                                                    [dict(mu=-2.0 + 4.0 * (i % 9) / 8, sigma=float(np.round(20 * s) / 20))
                                                     for i, s in enumerate(sigmas)])}
    print(f"notebook 02 panel, {repeats} updates over both sliders, σ from {low:g} to {high:g} (update + blit + JPEG)")
    return _time_panels(panels, repeats)


def notebook03(repeats):
    """Time every slider panel of notebook 03; return {panel: median ms}."""
    from scipy.ndimage import gaussian_filter

    from helpers import digit_metrics
    from helpers.convolution import CLASSIC_KERNELS
    from helpers.data import load_mnist_sample, to_float
    from helpers.widgets import (UPSAMPLING_METHODS, fid_explorer, kernel_explorer, learning_rate_explorer,
                                 upsampling_explorer)

    x_train, x_test = (to_float(load_mnist_sample(split)[0]) for split in ("train", "test"))
    digit = x_train[1]
    kernels = list(CLASSIC_KERNELS)
    rng = np.random.default_rng(0)
    rates = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    runs = {name: {lr: 2.3 * np.exp(-np.arange(126) * lr) + 0.1 * rng.random(126) for lr in rates}
            for name in ("SGD", "Adam")}                      # the notebook's size: 5 rates x 2 epochs of 63 steps
    train_features = digit_metrics.features(x_train)
    noise = rng.standard_normal(x_test.shape).astype(np.float32)
    damaged = {"blur": [gaussian_filter(x_test, (0, s, s)) for s in (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)],
               "noise": [np.clip(x_test + s * noise, 0, 1) for s in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)]}
    variants = {kind: [(f"#{i}", images, digit_metrics.features(images)) for i, images in enumerate(sets)]
                for kind, sets in damaged.items()}
    fids = {kind: [digit_metrics.fid(train_features, f) for _, _, f in entries] for kind, entries in variants.items()}
    panels = {
        "kernel explorer": (kernel_explorer(digit, max_stride=3),
                            [dict(stride=1 + i % 3, kernel=kernels[i % len(kernels)],
                                  padding=("same", "valid")[i // 3 % 2]) for i in range(repeats)]),
        "upsampling explorer": (upsampling_explorer(digit, max_seed=30),
                                [dict(seed=i % 31, method=UPSAMPLING_METHODS[i % 4]) for i in range(repeats)]),
        "learning-rate explorer": (learning_rate_explorer(runs), [dict(lr=rates[i % 5]) for i in range(repeats)]),
        "FID explorer": (fid_explorer(train_features, variants, fids),
                         [dict(strength=i % 7, kind=("blur", "noise")[i // 7 % 2]) for i in range(repeats)]),
    }
    print(f"notebook 03 panels, {repeats} updates each over all their controls (update + blit + PNG)")
    return _time_panels(panels, repeats)


def _time_panels(panels, repeats):
    """Print and return the median ms per update of each ``name: (panel, settings)``."""
    print(f"{'panel':<44} {'median ms':>10} {'p90 ms':>8} {'max ms':>8}")
    medians = {}
    for name, (panel, settings) in panels.items():
        panel.set(**settings[-1])                              # warm-up
        t = _time(lambda i: panel.set(**settings[i]), repeats)
        medians[name] = float(np.median(t))
        print(f"{name:<44} {np.median(t):>10.1f} {np.percentile(t, 90):>8.1f} {t.max():>8.1f}")
    return medians


def notebook06(repeats):
    """Time every slider panel of notebook 06; return {panel: median ms}."""
    import ipywidgets as widgets

    from helpers import digit_metrics
    from helpers.data import load_mnist_sample, to_float
    from helpers.models.diffusion import load_sweeps
    from helpers.widgets import forward_process_explorer, precomputed_explorer

    x_test = to_float(load_mnist_sample("test")[0])
    sweeps = load_sweeps()                                  # the pictures the notebook's sliders re-show
    steps = tuple(sweeps["step_pictures_steps"].tolist())
    step_pictures = {(k,): sweeps["step_pictures"][i] for i, k in enumerate(steps)}
    scales = tuple(sweeps["guide_pictures_guidance"].tolist())
    guide_pictures = {(c, w): sweeps["guide_pictures"][c, j] for c in range(10) for j, w in enumerate(scales)}
    reads = {key: np.bincount(digit_metrics.classify(images), minlength=10) for key, images in guide_pictures.items()}
    panels = {
        "forward-process explorer": (forward_process_explorer(x_test[[3, 10, 2, 17, 4, 8, 11, 0]], seed=0),
                                     [dict(t=(i % 21) / 20, schedule=("linear", "cosine", "flow")[i % 3])
                                      for i in range(repeats)]),
        "steps explorer (precomputed)": (
            precomputed_explorer(step_pictures, {"steps": widgets.SelectionSlider(options=steps, value=steps[-1])},
                                 lambda steps: f"{steps} Euler steps", ncols=10, figsize=(9.0, 2.2)),
            [dict(steps=steps[i % len(steps)]) for i in range(repeats)]),
        "guidance explorer (precomputed)": (
            precomputed_explorer(guide_pictures, {"digit": widgets.Dropdown(options=list(range(10)), value=4),
                                                  "w": widgets.SelectionSlider(options=scales, value=1.0)},
                                 lambda digit, w: f"class {digit}, guidance {w:g}: the classifier reads "
                                 + ", ".join(f"{k}x{n}" for k, n in enumerate(reads[digit, w]) if n),
                                 ncols=8, figsize=(9.0, 1.7)),
            [dict(digit=i % 10, w=scales[i % len(scales)]) for i in range(repeats)]),
    }
    print(f"notebook 06 panels, {repeats} updates each over all their controls (update + blit + PNG)")
    return _time_panels(panels, repeats)


def notebook07(repeats):
    """Time notebook 07's landscape panel (seed and octave sliders); return {panel: median ms}."""
    from helpers.widgets import landscape_explorer

    panels = {"landscape explorer (128x256)": (landscape_explorer((128, 256), sea_level=0.45),
                                               [dict(seed=i % 51, octaves=1 + i % 8) for i in range(repeats)])}
    print(f"notebook 07 panel, {repeats} updates over both sliders (noise, colours, update + blit + PNG)")
    return _time_panels(panels, repeats)


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
