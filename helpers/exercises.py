"""The notebooks' exercise checks: one helper, one way to report, answers out of plain sight.

A notebook's check cell is one call with the learner's answers (and what the checks need from
the notebook, such as a trained model)::

    from helpers import exercises
    exercises.check("00", black_fraction=black_fraction, mean_digits=mean_digits)

It prints one line per exercise -- ``Exercise 1: correct``, ``Exercise 1: not answered yet``
(one of its answers is still ``None``) or ``Exercise 1: not quite; <a hint>``.
:func:`evaluate` gives the same verdicts as data (``{number: True | False | None}``), for tests. The expected answers are computed here, independently of
the notebook, so reading the check cell does not give them away (the worked solutions stay in
the notebook's hidden ``<details>``).

Adding the checks of a notebook: in this module, one function per exercise in the notebook's
section below, registered with :func:`exercise`, taking its answers (and the notebook objects it
``uses``) as keyword arguments and returning ``(ok, detail)``; ``detail`` is shown after
``correct, `` or ``not quite; ``.

NumPy only at import; a check imports what it needs when it runs. Interactive layer: it may use
every other module of ``helpers`` but TensorFlow (models are used through their methods).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["exercise", "check", "evaluate", "registered"]


@dataclass(frozen=True)
class _Exercise:
    notebook: str
    number: int
    answers: tuple
    uses: tuple
    fn: object


_REGISTRY: dict = {}


def exercise(notebook, number, answers, uses=()):
    """Register the check of exercise ``number`` of notebook ``notebook`` (``"00"``, ``"01"``, ...).

    Parameters
    ----------
    notebook : str
        The notebook's two-digit number.
    number : int
        The exercise's number in that notebook.
    answers : sequence of str
        The learner's variables it checks (it counts as not answered while one is ``None``).
    uses : sequence of str
        Notebook objects it needs besides the answers (a model, a data set).

    Examples
    --------
    >>> @exercise("99", 1, answers=("x",))
    ... def _(x):
    ...     return x == 42, "" if x == 42 else "the answer is a number"
    >>> check("99", x=None)
    Exercise 1: not answered yet
    >>> check("99", x=41)
    Exercise 1: not quite; the answer is a number
    >>> evaluate("99", x=42)
    {1: True}
    >>> _ = _REGISTRY.pop("99")
    """
    if not (isinstance(notebook, str) and len(notebook) == 2 and notebook.isdigit()):
        raise ValueError(f"notebook must be a two-digit string such as '04'; got {notebook!r}")

    def register(fn):
        entries = _REGISTRY.setdefault(notebook, {})
        if number in entries:
            raise ValueError(f"exercise {number} of notebook {notebook} is registered twice")
        entries[number] = _Exercise(notebook, number, tuple(answers), tuple(uses), fn)
        return fn

    return register


def registered(notebook):
    """``{number: (answer names, used names)}`` of the notebook's registered exercises."""
    return {n: (e.answers, e.uses) for n, e in sorted(_REGISTRY.get(notebook, {}).items())}


def check(notebook, **given):
    """Check the answers of every exercise of ``notebook`` and print one line per exercise.

    ``given``: the learner's answers and the notebook objects the checks use, by name
    (:func:`registered` lists them). Returns nothing, so the cell shows only the lines.

    Raises
    ------
    ValueError
        No exercises registered for ``notebook``.
    TypeError
        A name an exercise needs is missing, or a name is unknown (a typo in the check cell).
    """
    for line in _lines(notebook, given).values():
        print(line[1])


def evaluate(notebook, **given):
    """The verdicts of :func:`check` as ``{number: True (correct) | False | None (not answered)}``."""
    return {number: ok for number, (ok, _) in _lines(notebook, given).items()}


def _lines(notebook, given):
    entries = _REGISTRY.get(notebook)
    if not entries:
        raise ValueError(f"no exercises registered for notebook {notebook!r}; "
                         f"known: {sorted(_REGISTRY)}")
    needed = {name for e in entries.values() for name in e.answers + e.uses}
    missing, unknown = needed - set(given), set(given) - needed
    if missing or unknown:
        raise TypeError(f"check({notebook!r}, ...) needs {sorted(needed)}; "
                        + (f"missing {sorted(missing)}" if missing else "")
                        + ("; " if missing and unknown else "")
                        + (f"unknown {sorted(unknown)}" if unknown else ""))
    results = {}
    for number, entry in sorted(entries.items()):
        if any(given[name] is None for name in entry.answers):
            results[number] = (None, f"Exercise {number}: not answered yet")
            continue
        try:
            ok, detail = entry.fn(**{name: given[name] for name in entry.answers + entry.uses})
        except Exception as error:  # the learner's code failed: say how, do not stop the cell
            ok, detail = False, f"your answer raised {type(error).__name__}: {error}"
        word = "correct" if ok else "not quite"
        results[number] = (bool(ok), f"Exercise {number}: {word}" + (f"{',' if ok else ';'} {detail}" if detail else ""))
    return results


# --------------------------------------------------------------------------- helpers of the checks


def _close(a, b, atol):
    import numpy as np

    return bool(np.all(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)) <= atol))


def _train_digits():
    from .data import load_mnist_sample, to_float

    images, labels = load_mnist_sample("train")
    return to_float(images), labels


# --------------------------------------------------------------------------- 00 start here


@exercise("00", 1, answers=("black_fraction",))
def _black_fraction(black_fraction):
    import numpy as np

    images, _ = _train_digits()
    ok = _close(black_fraction, np.mean(images == 0), 1e-9)
    return ok, "" if ok else f"{black_fraction} is off; count the pixels equal to 0 and divide by all pixels"


@exercise("00", 2, answers=("mean_digits",))
def _mean_digits(mean_digits):
    import numpy as np

    if np.shape(mean_digits) != (10, 28, 28):
        return False, f"expected shape (10, 28, 28), got {np.shape(mean_digits)}"
    images, labels = _train_digits()
    ok = _close(mean_digits, [images[labels == k].mean(axis=0) for k in range(10)], 1e-5)
    return ok, "" if ok else "average the float images of each class over axis 0"


# --------------------------------------------------------------------------- 01 noise models


@exercise("01", 1, answers=("q_std", "q_theory"), uses=("camera_smooth",))
def _quantisation(q_std, q_theory, camera_smooth):
    import numpy as np
    from skimage.util import img_as_ubyte

    from .data import to_float

    measured = float((to_float(img_as_ubyte(camera_smooth)) - camera_smooth).std())
    ok = _close(q_std, measured, 1e-5) and _close(q_theory, 1 / (255 * np.sqrt(12)), 1e-5)
    return ok, (f"std {q_std:.6f} vs theory {q_theory:.6f}" if ok
                else "the error is uniform on a step of width 1/255: which std does that give?")


@exercise("01", 2, answers=("add_noise_uint8",))
def _noise_uint8(add_noise_uint8):
    import numpy as np

    img8 = np.full((128, 128), 250, dtype=np.uint8)
    out = add_noise_uint8(img8, 25, seed=0)
    if not (isinstance(out, np.ndarray) and out.dtype == np.uint8 and out.shape == img8.shape):
        return False, "return a uint8 array of the input's shape"
    mid = add_noise_uint8(np.full((128, 128), 128, dtype=np.uint8), 10, seed=0).astype(float)
    if out.min() < 100 or abs(mid.std() - 10) > 0.5:  # wrapped pixels land near 0
        return False, (f"darkest pixel {out.min()}, std at mid-grey {mid.std():.1f}; "
                       "work in float, clip, then convert")
    return True, "no wrap-around"


@exercise("01", 4, answers=("std_var_01", "var_for_01"))
def _random_noise_var(std_var_01, var_for_01):
    import numpy as np
    from skimage.util import random_noise

    from .data import load_image

    camera = load_image("camera")
    want_std = float((random_noise(camera, mode="gaussian", var=0.1, rng=0, clip=False) - camera).std())
    ok_std = _close(std_var_01, want_std, 0.003)   # any seed: 262,144 pixels pin the std down
    ok_var = _close(var_for_01, 0.1**2, 1e-6)
    ok = ok_std and ok_var
    return ok, (f"var=0.1 adds noise of std {std_var_01:.3f}, {std_var_01 / 0.1:.1f} times the intended 0.1"
                if ok else f"std {'correct' if ok_std else 'not quite'}, var {'correct' if ok_var else 'not quite'}"
                "; var is the variance, the square of the standard deviation")


@exercise("01", 3, answers=("photons_equal",))
def _photons(photons_equal):
    ok = photons_equal > 0 and _close(0.5 / photons_equal, 0.05**2, 1e-5)   # Poisson variance u / N
    return ok, f"N = {photons_equal:g}" if ok else "the variance of Poisson noise on a value u is u / N"


# --------------------------------------------------------------------------- 02 probability density


@exercise("02", 1, answers=("sample_exponential",))
def _inverse_cdf(sample_exponential):
    import numpy as np
    from scipy import stats

    s = np.asarray(sample_exponential(20_000, 2.0, np.random.default_rng(0)))
    if s.shape != (20_000,):
        return False, f"return n samples as an array of shape (n,); got shape {s.shape}"
    p = stats.kstest(s, stats.expon(scale=0.5).cdf).pvalue
    return p > 0.01, f"KS p-value {p:.3g}" + ("" if p > 0.01 else "; invert u = F(x) for x")


@exercise("02", 2, answers=("my_bits_per_dim",), uses=("bernoulli", "b_test"))
def _bits_by_hand(my_bits_per_dim, bernoulli, b_test):
    from .density import bits_per_dim

    ok = _close(my_bits_per_dim, bits_per_dim(-bernoulli.log_likelihood(b_test).mean(), 784), 1e-6)
    return ok, "" if ok else ("use log2 of p where the pixel is 1 and of 1 - p where it is 0, "
                              "sum over pixels, average over images, divide by 784")


@exercise("02", 3, answers=("my_L", "my_samples"))
def _cholesky(my_L, my_samples):
    import numpy as np

    L, S = np.asarray(my_L, dtype=float), np.asarray(my_samples, dtype=float)
    cov = np.array([[4.0, 1.2], [1.2, 1.0]])
    ok_L = L.shape == (2, 2) and L[0, 1] == 0 and np.allclose(L @ L.T, cov)
    ok_S = S.shape == (5000, 2) and np.allclose(np.cov(S.T), cov, atol=0.25)
    return ok_L and ok_S, (f"L {'correct' if ok_L else 'not quite'}, samples {'correct' if ok_S else 'not quite'}"
                           + ("" if ok_L else "; L is lower-triangular with L @ L.T equal to the covariance"))


# --------------------------------------------------------------------------- 04 GAN


def _toy_data_pdf(x):
    """The 1-D data density of notebook 04's section 2: 0.5 N(-2, 0.5^2) + 0.5 N(2, 0.5^2)."""
    from scipy import stats

    return 0.5 * stats.norm(-2, 0.5).pdf(x) + 0.5 * stats.norm(2, 0.5).pdf(x)


@exercise("04", 1, answers=("d_star",))
def _optimal_discriminator(d_star):
    import numpy as np
    from scipy import stats

    x = np.linspace(-4, 4, 81)
    p_data, p_g = _toy_data_pdf(x), stats.norm(0, 1).pdf(x)
    got = np.asarray(d_star(x), dtype=float)
    ok = got.shape == x.shape and np.allclose(got, p_data / (p_data + p_g), atol=1e-6)
    return ok, "" if ok else "D* compares the data density with the generator's density at each x"


@exercise("04", 2, answers=("g_loss_from_logits",))
def _generator_losses(g_loss_from_logits):
    import numpy as np

    logits = np.array([-30.0, -2.0, 0.0, 3.0])
    sigmoid = 1 / (1 + np.exp(-logits))
    ok_ns = np.isclose(g_loss_from_logits(logits, "non_saturating"), np.mean(-np.log(sigmoid)))
    ok_mm = np.isclose(g_loss_from_logits(logits, "minimax"), np.mean(np.log1p(-sigmoid)), atol=1e-9)
    ok = bool(ok_ns and ok_mm)
    return ok, "" if ok else (f"non-saturating {'ok' if ok_ns else 'wrong'}, min-max {'ok' if ok_mm else 'wrong'}; "
                              "write -log sigmoid(l) and log(1 - sigmoid(l)) with softplus")


@exercise("04", 3, answers=("fid_ones", "fid_all"), uses=("conditional", "test_features"))
def _diversity(fid_ones, fid_all, conditional, test_features):
    import numpy as np

    from .digit_metrics import fid

    z = conditional.latent(300, seed=0)
    want = (fid(test_features, conditional.generate(z, labels=np.full(300, 1))),
            fid(test_features, conditional.generate(z, labels=np.arange(300) % 10)))
    ok = bool(np.allclose((fid_ones, fid_all), want, rtol=1e-3))
    return ok, (f"one class only {fid_ones:.0f} vs all classes {fid_all:.0f}" if ok else
                "use the same 300 latent vectors conditional.latent(300, seed=0) for both sets "
                "and test_features as the real set")


# --------------------------------------------------------------------------- 05 VAE


@exercise("05", 1, answers=("kl_answer",))
def _kl_by_hand(kl_answer):
    import numpy as np

    mu, lv = np.array([0.5, -1.0, 0.0]), np.array([-1.0, 0.3, 0.0])
    # Monte Carlo, independent of the closed form: E_q[log q(z) - log p(z)]
    z = mu + np.exp(0.5 * lv) * np.random.default_rng(0).standard_normal((400_000, 3))
    mc = float(np.mean(np.sum(-0.5 * ((z - mu) ** 2 / np.exp(lv) + lv) + 0.5 * z**2, axis=1)))
    ok = abs(kl_answer - mc) < 0.02
    return ok, f"yours {kl_answer:.4f}, Monte Carlo {mc:.4f}" if ok else "0.5 * sum(sigma^2 + mu^2 - 1 - log sigma^2)"


@exercise("05", 2, answers=("iwae_answers",), uses=("vae2", "x_test"))
def _iwae_tightens(iwae_answers, vae2, x_test):
    values = [float(v) for v in iwae_answers]
    elbo = -float(vae2.elbo_terms(x_test[::5], samples=50)["neg_elbo"].mean())
    increasing = len(values) == 3 and values[0] < values[1] < values[2]
    ok = increasing and values[2] >= elbo and abs(values[0] - elbo) < 2.0
    return ok, (f"ELBO {elbo:.2f}; your bounds " + ", ".join(f"{v:.2f}" for v in values)
                + ("" if ok else "; expected three means that increase with k, the first one close to the ELBO"))


@exercise("05", 3, answers=("kl90_answer",), uses=("beta_models", "x_test"))
def _dimensions_with_most_kl(kl90_answer, beta_models, x_test):
    import numpy as np

    mean = np.asarray(beta_models[8].embed(x_test), dtype=np.float64)
    _, log_var = beta_models[8].encode(x_test[..., None])
    log_var = np.array(log_var, dtype=np.float64)
    kl_per_dim = np.sort((0.5 * (np.exp(log_var) + mean**2 - 1 - log_var)).mean(axis=0))[::-1]
    cumulative = np.cumsum(kl_per_dim)
    want = int(np.searchsorted(cumulative, 0.9 * cumulative[-1]) + 1)
    ok = kl90_answer == want
    return ok, (f"{want} of {len(kl_per_dim)} dimensions carry {cumulative[want - 1] / cumulative[-1]:.0%} of the KL"
                if ok else "average the KL of each dimension over the test digits, sort it from largest to smallest "
                "and count how many of the largest reach 90% of the total (np.cumsum)")


# --------------------------------------------------------------------------- 03 neural networks


@exercise("03", 1, answers=("my_cross_entropy",))
def _cross_entropy_from_logits(my_cross_entropy):
    import numpy as np
    from scipy.special import logsumexp

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 6)
    for scale in (1.0, 1000.0):
        logits = scale * rng.standard_normal((6, 10))
        want = float(np.mean(logsumexp(logits, axis=1) - logits[np.arange(6), labels]))
        got = float(my_cross_entropy(logits, labels))
        if not (np.isfinite(got) and np.isclose(got, want, rtol=1e-6)):
            return False, (f"for logits of size about {scale:g} the mean cross-entropy is {want:.4f}, yours {got:.4g}; "
                           "subtract each row's maximum before exp: log(sum(exp(z - max))) + max - z[label]")
    return True, "also for logits of size 1000"


@exercise("03", 2, answers=("my_param_counts",))
def _classifier_parameters(my_param_counts):
    want = [3 * 3 * 1 * 32 + 32, 3 * 3 * 32 * 64 + 64, 3 * 3 * 64 * 64 + 64, 4 * 4 * 64 * 64 + 64, 64 * 10 + 10]
    got = [int(c) for c in my_param_counts]
    if got == want:
        return True, f"{sum(want):,} parameters in all"
    wrong = [i + 1 for i, (g, w) in enumerate(zip(got, want)) if g != w] if len(got) == len(want) else "the count"
    return False, (f"check layer(s) {wrong}: a k x k convolution has k*k*inputs*outputs weights and one bias per "
                   "output; a dense layer inputs*outputs weights and one bias per output")


@exercise("03", 3, answers=("my_small_model",))
def _small_network(my_small_model):
    import numpy as np

    from .data import load_mnist_sample, to_float

    x_test, y_test = load_mnist_sample("test")
    n = int(my_small_model.count_params())
    logits = np.asarray(my_small_model.predict(to_float(x_test)[..., None], verbose=0))
    accuracy = float(np.mean(np.argmax(logits, axis=1) == y_test))
    ok = n <= 7850 and accuracy >= 0.94
    return ok, f"{n:,} parameters (at most 7,850), held-out accuracy {accuracy:.1%} (at least 94%)"
# --------------------------------------------------------------------------- 06 diffusion


@exercise("06", 1, answers=("snr_step",))
def _snr_step(snr_step):
    import numpy as np

    # step by step, independently of the closed form: the variance of the signal part and of the noise part
    signal, noise = 1.0, 0.0
    for i, beta in enumerate(np.linspace(1e-4, 0.02, 1000), start=1):
        signal, noise = (1 - beta) * signal, (1 - beta) * noise + beta
        if signal < noise:
            break
    ok = isinstance(snr_step, (int, np.integer)) and int(snr_step) == i
    return ok, f"step {snr_step}: t = {i / 1000:.3f}" if ok else (
        "alpha_i^2 is the product of (1 - beta_j) for j <= i, sigma_i^2 = 1 - alpha_i^2; steps count from 1")


@exercise("06", 2, answers=("floor_zero", "floor_mean"))
def _loss_floors(floor_zero, floor_mean):
    import numpy as np

    images, _ = _train_digits()
    scaled = images.astype(np.float64) * 2 - 1
    want = (float(np.mean(scaled**2)), float(np.mean((scaled - scaled.mean(0)) ** 2)))
    ok = bool(np.allclose((float(floor_zero), float(floor_mean)), want, rtol=1e-3))
    return ok, f"{floor_zero:.3f} and {floor_mean:.3f}" if ok else (
        "map the digits with x * 2 - 1, then average x^2, and (x - the mean digit)^2, over all pixels and digits")


@exercise("06", 3, answers=("my_samples",), uses=("flow",))
def _euler_by_hand(my_samples, flow):
    import numpy as np

    start = np.random.default_rng(0).standard_normal((500, 2))
    want = flow.generate(noise=start, steps=20)
    got = np.asarray(my_samples, dtype=np.float64)
    ok = got.shape == want.shape and bool(np.allclose(got, want, atol=1e-4))
    return ok, "the same points as flow.generate(noise=start, steps=20)" if ok else (
        "start at t = 1 with start = np.random.default_rng(0).standard_normal((500, 2)); "
        "t = 1.0, 0.95, ..., 0.05, dt = 0.05, and x <- x - dt * (eps_hat - x0_hat)")


# --------------------------------------------------------------------------- 07 applications


@exercise("07", 1, answers=("my_tile",))
def _my_seamless_tile(my_tile):
    import numpy as np

    from .procedural import seam_report

    tile = np.asarray(my_tile, dtype=np.float64)
    if tile.ndim != 2 or min(tile.shape) < 16:
        return False, f"give a grey texture of at least 16 x 16 pixels; got shape {tile.shape}"
    if tile.std() < 0.02:
        return False, "the texture is almost flat: a constant tiles, but it is no texture (std at least 0.02)"
    r = seam_report(np.clip(tile, 0, 1))
    ok = r["seam"] <= r["interior_max"]
    return ok, (f"seam {r['seam']:.3f}, roughest interior line {r['interior_max']:.3f}" if ok else
                f"the wrap-around seam ({r['seam']:.3f}) is rougher than every interior line "
                f"(at most {r['interior_max']:.3f}): blend the texture with np.roll(texture, n // 2) near the borders")


@exercise("07", 2, answers=("worst_kind",))
def _worst_noise(worst_kind):
    import numpy as np

    from .data import load_mnist_sample, to_float
    from .digit_metrics import classify
    from .noise import NOISE_KINDS, add_noise

    # the noise of helpers.synthetic.noise_robustness(None, x_test, y_test, [0.3], seed=0), computed here
    # without importing helpers.synthetic (it reaches TensorFlow, which notebooks 00-02 must not load)
    x, y = load_mnist_sample("test")
    x = to_float(x)
    curves = np.array([np.mean(classify(add_noise(x, kind, 0.3, rng=np.random.default_rng([0, a, 0]))) == y)
                       for a, kind in enumerate(NOISE_KINDS)])
    want = NOISE_KINDS[int(np.argmin(curves))]
    ok = worst_kind == want
    return ok, (f"{want}: {curves.min():.1%} correct at strength 0.3" if ok else
                f"one of {NOISE_KINDS}: measure the shipped classifier (weights None) at strength 0.3 with seed 0")


@exercise("07", 3, answers=("aug_gain",), uses=("grid",))
def _augmentation_gain(aug_gain, grid):
    import numpy as np

    arms = grid["provenance"]["few_label"]["arms"]
    acc = np.asarray(grid["few_accuracy"])[0]       # the first label count (100): (arms, seeds)
    want = 100 * float(np.mean(acc[arms.index("+ augmentation")] - acc[arms.index("labels only")]))
    ok = abs(float(aug_gain) - want) < 0.05
    return ok, (f"{want:.1f} percentage points" if ok else
                "the mean over seeds of (+ augmentation minus labels only) at 100 labels, in percentage points")
