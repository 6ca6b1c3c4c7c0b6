"""helpers.models.diffusion: the forward process, the samplers against an exact denoiser,
guidance, exact resume, saving, and clear errors for bad input."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from scipy import stats  # noqa: E402

from helpers import training  # noqa: E402
from helpers.models import diffusion as D  # noqa: E402

MEANS = np.array([[-2.0, 0.0], [2.0, 1.0], [0.0, -2.0]])
STDS = np.array([0.3, 0.5, 0.4])
WEIGHTS = np.array([0.5, 0.3, 0.2])


def mixture_draws(n, rng):
    k = rng.choice(3, size=n, p=WEIGHTS)
    return MEANS[k] + STDS[k, None] * rng.standard_normal((n, 2))


def tiny_unet(n_classes=0, seed=0):
    return D.build_unet(channels=(4, 8), n_classes=n_classes, embed_dim=8, seed=seed)


@pytest.mark.parametrize("schedule", D.SCHEDULES)
def test_forward_process_has_its_closed_form_mean_and_variance(schedule):
    rng = np.random.default_rng(0)
    x0 = np.array([[0.8, -0.3]])
    for t in (0.1, 0.5, 0.9):
        alpha, sigma = D.alpha_sigma(t, schedule)
        draws = D.q_sample(np.repeat(x0, 20000, 0), t, schedule, rng=rng)
        np.testing.assert_allclose(draws.mean(0), alpha * x0[0], atol=4 * sigma / np.sqrt(20000))
        np.testing.assert_allclose(draws.var(0), sigma**2, rtol=0.05)


def test_linear_schedule_is_ddpms_thousand_steps_in_closed_form():
    """Adding noise step by step, x_i = sqrt(1 - b_i) x_(i-1) + sqrt(b_i) eps, gives alpha(t).

    The schedule is the continuous limit of DDPM's 1,000 betas, so the two agree to a few %.
    """
    betas = np.linspace(1e-4, 0.02, 1000)
    alpha_steps = np.sqrt(np.cumprod(1 - betas))
    alpha, sigma = D.alpha_sigma(np.arange(1, 1001) / 1000, "linear")
    np.testing.assert_allclose(alpha, alpha_steps, rtol=0.04)
    x0, rng = np.full((20000, 1), 0.7), np.random.default_rng(0)
    x = x0.copy()
    for beta in betas[:300]:
        x = np.sqrt(1 - beta) * x + np.sqrt(beta) * rng.standard_normal(x.shape)
    np.testing.assert_allclose([x.mean(), x.var()], [0.7 * alpha[299], sigma[299] ** 2], rtol=0.03)
    np.testing.assert_allclose(alpha**2 + sigma**2, 1.0, atol=1e-12)


@pytest.mark.parametrize("sampler, schedule, steps", [
    ("ddpm", "linear", 200), ("ddim", "cosine", 50), ("euler", "flow", 100), ("heun", "flow", 20),
])
def test_sampler_with_the_exact_denoiser_reproduces_a_gaussian_mixture(sampler, schedule, steps):
    denoise = D.mixture_denoiser(MEANS, STDS, WEIGHTS, schedule)
    start = np.random.default_rng(1).standard_normal((3000, 2))
    samples = D.sample_loop(denoise, start, steps, sampler, schedule, seed=2)
    reference = mixture_draws(3000, np.random.default_rng(3))
    for axis in range(2):
        assert stats.ks_2samp(samples[:, axis], reference[:, axis]).pvalue > 1e-3
    nearest = np.argmin(((samples[:, None] - MEANS[None]) ** 2).sum(-1), 1)
    np.testing.assert_allclose(np.bincount(nearest, minlength=3) / 3000, WEIGHTS, atol=0.04)


def test_one_step_samplers_are_not_enough():
    """The test above can fail: a single DDIM step only lands near the mixture's mean."""
    denoise = D.mixture_denoiser(MEANS, STDS, WEIGHTS, "cosine")
    start = np.random.default_rng(1).standard_normal((3000, 2))
    samples = D.sample_loop(denoise, start, 1, "ddim", "cosine")
    reference = mixture_draws(3000, np.random.default_rng(3))
    assert stats.ks_2samp(samples[:, 0], reference[:, 0]).pvalue < 1e-3


def test_mixture_score_is_the_gradient_of_the_log_density():
    denoise = D.mixture_denoiser(MEANS, STDS, WEIGHTS, "flow")
    t, x = 0.3, np.array([[0.4, -0.7]])
    alpha, sigma = D.alpha_sigma(t, "flow")

    def log_p(x):
        var = alpha**2 * STDS**2 + sigma**2
        d2 = ((x[None] - alpha * MEANS) ** 2).sum(-1)
        return np.log(np.sum(WEIGHTS * np.exp(-0.5 * d2 / var) / (2 * np.pi * var)))

    h = 1e-5
    grad = [(log_p(x[0] + h * e) - log_p(x[0] - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(denoise.score(x, t)[0], grad, rtol=1e-5)


def test_guidance_zero_equals_unconditional_sampling():
    model = D.Diffusion(tiny_unet(10), n_classes=10)
    rng = np.random.default_rng(0)
    for layer in ("unfold", "class_embedding"):     # an untrained network outputs zeros: wake it up
        for v in model.ema_network.get_layer(layer).weights:
            v.assign(rng.normal(0, 0.3, v.shape))
    labels = np.arange(6) % 10
    unconditional = model.generate(n=6, steps=3, seed=4)
    guided0 = model.generate(labels=labels, steps=3, guidance=0.0, seed=4)
    conditional = model.generate(labels=labels, steps=3, guidance=1.0, seed=4)
    np.testing.assert_allclose(guided0, unconditional, atol=1e-5)
    assert not np.allclose(conditional, unconditional, atol=1e-3)   # the label matters


@pytest.fixture(scope="module")
def conditional_model():
    return D.Diffusion(tiny_unet(10), n_classes=10)


def toy_batches():
    points = mixture_draws(256, np.random.default_rng(0)).astype("float32")
    return training.array_batches(points, 32)


def weights(model):
    return [keras.ops.convert_to_numpy(v) for v in model.variables]


def test_interrupted_then_resumed_run_equals_uninterrupted(tmp_path):
    def make():
        model = D.Diffusion(D.build_mlp(2, hidden=16, depth=2, seed=3), value_range=None, seed=5)
        model.compile()
        return model

    batches = toy_batches()
    straight = make()
    h1 = training.fit_resumable(straight, batches, epochs=2, progress=False)
    part = make()
    training.fit_resumable(part, batches, epochs=2, checkpoint_dir=tmp_path, checkpoint_every=3,
                           max_steps=10, progress=False)
    resumed = make()
    h2 = training.fit_resumable(resumed, batches, epochs=2, checkpoint_dir=tmp_path, checkpoint_every=3,
                                progress=False)
    assert h2["loss"] == h1["loss"]
    for a, b in zip(weights(straight), weights(resumed)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(straight.ema_network.get_weights(), resumed.ema_network.get_weights()):    # and the EMA
        np.testing.assert_array_equal(a, b)


def test_training_lowers_the_loss_below_the_zero_prediction_floor():
    model = D.Diffusion(D.build_mlp(2, hidden=32, depth=2), objective="eps", value_range=None)
    model.compile(keras.optimizers.Adam(3e-3))
    history = training.fit_resumable(model, toy_batches(), epochs=8, progress=False)
    # the network starts at zero output: loss = E[eps^2] = 1, the floor of a model that learnt nothing
    assert abs(np.mean(history["loss"][:3]) - 1.0) < 0.25
    assert np.mean(history["loss"][-8:]) < 0.7


def test_saves_and_loads_with_safe_mode(tmp_path):
    model = D.Diffusion(D.build_mlp(2, hidden=8, depth=1, n_classes=10), n_classes=10, value_range=None, seed=2)
    for layer in ("out", "class_embedding"):         # non-zero outputs, so that the comparison means something
        for v in model.ema_network.get_layer(layer).weights:
            v.assign(np.random.default_rng(1).normal(0, 0.3, v.shape))
    loaded = training.load_model(training.save_model(model, tmp_path / "diffusion.keras"), compile=False)
    assert isinstance(loaded, D.Diffusion) and loaded.n_classes == 10 and loaded.objective == "velocity"
    a, b = loaded.generate(labels=[1, 2], steps=2, guidance=2.0), model.generate(labels=[1, 2], steps=2, guidance=2.0)
    assert np.abs(a).max() > 0.1
    np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(n=2, steps=0), ValueError, "steps must be a positive integer"),
    (dict(n=2, steps=2.5), ValueError, "steps must be a positive integer"),
    (dict(labels=[1, 2], guidance=float("nan")), ValueError, "guidance must be finite"),
    (dict(labels=[1, 2], guidance=float("inf")), ValueError, "guidance must be finite"),
    (dict(labels=[1, 10]), ValueError, "labels must lie in 0..9"),
    (dict(labels=[-1, 3]), ValueError, "labels must lie in 0..9"),
    (dict(labels=[1.5, 3.0]), ValueError, "labels must be 2 integers"),
    (dict(n=2, guidance=3.0), ValueError, "guidance needs labels"),
    (dict(noise=np.zeros((2, 32, 32, 1))), ValueError, "noise must be finite with shape (n,) + (28, 28, 1)"),
    (dict(n=2, sampler="dpm++"), ValueError, "sampler='dpm++' is not valid"),
])
def test_bad_sampling_arguments_are_refused(conditional_model, kwargs, error, words):
    model = conditional_model
    with pytest.raises(error) as info:
        model.generate(**kwargs)
    assert words in str(info.value)


@pytest.mark.parametrize("call, words", [
    (lambda: D.alpha_sigma(1.5), "t must lie in [0, 1]"),
    (lambda: D.alpha_sigma(0.5, "quadratic"), "schedule='quadratic' is not valid"),
    (lambda: D.Diffusion(tiny_unet(), objective="eps", schedule="flow"), "does not go with"),
    (lambda: D.Diffusion(tiny_unet(), n_classes=10), "network takes 2 inputs"),
    (lambda: D.Diffusion(tiny_unet(), p_uncond=1.0), "p_uncond must be < 1"),
    (lambda: D.q_sample(np.zeros((2, 3)), [0.1, 0.2, 0.3]), "one per sample"),
])
def test_bad_model_arguments_are_refused(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words in str(info.value)


@pytest.mark.parametrize("bad, error, words", [
    (np.zeros((64, 32, 32), np.float32), ValueError, "(N, 28, 28)"),
    (np.full((64, 28, 28), 255.0, np.float32), ValueError, "[0, 1]"),
    (np.zeros((64, 28, 28), np.int64), TypeError, "got dtype int64"),
])
def test_bad_training_images_are_refused(bad, error, words):
    with pytest.raises(error) as info:
        training.image_batches(bad, 32)
    assert words in str(info.value)


def test_forward_process_panel_shows_the_closed_form():
    from helpers.plotting import mosaic
    from helpers.widgets import forward_process_explorer

    digits = np.random.default_rng(0).random((4, 28, 28)).astype("float32")
    panel = forward_process_explorer(digits, seed=3, render=False)
    panel.set(t=0.4, schedule="cosine")
    noise = np.random.default_rng(3).standard_normal((4, 28, 28))
    want = D.q_sample(digits * 2 - 1, 0.4, "cosine", noise=noise)
    shown = np.asarray(panel.fig.axes[0].images[0].get_array())
    np.testing.assert_allclose(shown, mosaic(want, 8), atol=1e-6)
    assert "t = 0.40" in panel.fig.texts[0].get_text()


def test_precomputed_panel_shows_the_picture_of_its_setting():
    import ipywidgets as widgets

    from helpers.plotting import mosaic
    from helpers.widgets import precomputed_explorer

    pictures = {(k, w): np.full((4, 28, 28), (k + w) / 10) for k in range(3) for w in (0.0, 1.0)}
    panel = precomputed_explorer(pictures, {"k": widgets.IntSlider(0, 0, 2),
                                            "w": widgets.SelectionSlider(options=(0.0, 1.0), value=0.0)},
                                 lambda k, w: f"{k}/{w}", render=False)
    panel.set(k=2, w=1.0)
    np.testing.assert_allclose(panel.fig.axes[0].images[0].get_array(), mosaic(pictures[(2, 1.0)], 10), atol=1e-6)
    assert panel.fig.texts[0].get_text() == "2/1.0"
    with pytest.raises(ValueError, match="keys must be tuples of 2 values"):
        precomputed_explorer({(0,): np.zeros((4, 28, 28))}, panel.controls, str, render=False)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        precomputed_explorer({(0, 0.0): np.full((4, 28, 28), 1.5)}, panel.controls, str, render=False)


def test_shipped_sweeps_hold_the_settings_of_the_functions_defaults():
    """data/diffusion_sweeps.npz was measured with the defaults, and notebook 06's RECOMPUTE branch uses them."""
    import inspect
    import json

    from helpers import config

    def defaults(function):
        return {name: list(p.default) for name, p in inspect.signature(function).parameters.items()
                if isinstance(p.default, tuple)}

    sweeps = D.load_sweeps()
    measured = defaults(D.sampling_sweeps)
    pictures = defaults(D.slider_pictures)
    assert sweeps["euler_steps"].tolist() == measured["euler_steps"]
    assert sweeps["heun_steps"].tolist() == measured["heun_steps"]
    assert sweeps["guidance"].tolist() == measured["guidance"]
    assert sweeps["step_pictures_steps"].tolist() == pictures["steps"]
    assert sweeps["guide_pictures_guidance"].tolist() == pictures["guidance"]
    notebook = json.loads((config.repo_root() / "notebooks" / "06_diffusion.ipynb").read_text())
    recompute = next("".join(c["source"]) for c in notebook["cells"]
                     if "".join(c["source"]).startswith("if RECOMPUTE or RETRAIN:"))
    assert "pick(full={}" in recompute and "heun_steps=pick(full=" not in recompute
