"""helpers.exercises: every notebook's checks accept the worked solutions, refuse wrong answers,
say "not answered yet" for None, and report a typo in the check cell."""

import numpy as np
import pytest
from scipy import stats

from helpers import data, density, exercises, noise


def test_report_lines(capsys):
    exercises.check("00", black_fraction=None, mean_digits=None)
    assert capsys.readouterr().out == "Exercise 1: not answered yet\nExercise 2: not answered yet\n"
    with pytest.raises(TypeError, match=r"missing \['mean_digits'\]; unknown \['mean_digit'\]"):
        exercises.check("00", black_fraction=None, mean_digit=None)
    with pytest.raises(ValueError, match="no exercises registered for notebook '42'"):
        exercises.check("42")


def test_an_answer_that_raises_is_reported_not_raised():
    def broken(*args, **kwargs):
        raise ZeroDivisionError("oops")

    assert exercises.evaluate("04", d_star=broken, g_loss_from_logits=None, fid_ones=None, fid_all=None,
                              conditional=None, test_features=None) == {1: False, 2: None, 3: None}


def test_notebook_00():
    x, y = data.load_mnist_sample("train")
    images = data.to_float(x)
    right = dict(black_fraction=float(np.mean(images == 0)),
                 mean_digits=np.stack([images[y == k].mean(axis=0) for k in range(10)]))
    assert exercises.evaluate("00", **right) == {1: True, 2: True}
    wrong = dict(black_fraction=0.5, mean_digits=np.zeros((10, 28, 28)))
    assert exercises.evaluate("00", **wrong) == {1: False, 2: False}


def test_notebook_01():
    from skimage.util import img_as_ubyte

    camera_smooth = np.full((32, 32), 0.3, np.float32) + np.linspace(0, 0.4, 32, dtype=np.float32)

    def add_noise_uint8(img8, sigma_levels, seed=None):
        return img_as_ubyte(noise.gaussian_noise(data.to_float(img8), sigma_levels / 255, clip=True, rng=seed))

    def wraps(img8, sigma_levels, seed=None):
        return (img8 + np.random.default_rng(seed).normal(0, sigma_levels, img8.shape)).astype(np.uint8)

    q = data.to_float(img_as_ubyte(camera_smooth)) - camera_smooth
    right = dict(q_std=float(q.std()), q_theory=1 / 255 / np.sqrt(12), add_noise_uint8=add_noise_uint8,
                 photons_equal=0.5 / 0.05**2, std_var_01=float(np.sqrt(0.1)), var_for_01=0.01,
                 camera_smooth=camera_smooth)
    assert exercises.evaluate("01", **right) == {1: True, 2: True, 3: True, 4: True}
    # exercise 4's trap: reading var as a standard deviation, in either direction
    wrong = dict(right, q_theory=1 / 255, add_noise_uint8=wraps, photons_equal=20.0, std_var_01=0.1,
                 var_for_01=0.1)
    assert exercises.evaluate("01", **wrong) == {1: False, 2: False, 3: False, 4: False}
    assert exercises.evaluate("01", **dict(right, var_for_01=0.1))[4] is False


def test_notebook_02():
    b_train = density.binarize(data.load_mnist_sample("train")[0][:500])
    b_test = density.binarize(data.load_mnist_sample("test")[0][:100])
    bernoulli = density.IndependentBernoulli().fit(b_train)
    p, x = bernoulli.probs_.reshape(1, -1), b_test.reshape(len(b_test), -1)
    L = np.array([[2.0, 0.0], [0.6, 0.8]])
    right = dict(sample_exponential=lambda n, rate, rng: -np.log1p(-rng.random(n)) / rate,
                 my_bits_per_dim=float(-np.mean(np.sum(x * np.log2(p) + (1 - x) * np.log2(1 - p), axis=1)) / 784),
                 my_L=L, my_samples=np.random.default_rng(0).standard_normal((5000, 2)) @ L.T,
                 bernoulli=bernoulli, b_test=b_test)
    assert exercises.evaluate("02", **right) == {1: True, 2: True, 3: True}
    wrong = dict(right, sample_exponential=lambda n, rate, rng: rng.random(n) / rate,
                 my_bits_per_dim=right["my_bits_per_dim"] * np.log(2), my_L=L.T)
    assert exercises.evaluate("02", **wrong) == {1: False, 2: False, 3: False}


class FakeConditional:
    """Stands for the conditional GAN: a latent vector and a class give a fixed digit picture."""

    def __init__(self):
        x, y = data.load_mnist_sample("test")
        self.by_class = [data.to_float(x[y == k]) for k in range(10)]

    def latent(self, n, seed=0):
        return np.random.default_rng(seed).standard_normal((n, 4))

    def generate(self, z, labels):
        return np.stack([self.by_class[k][i % 100] for i, k in enumerate(labels)])


def test_notebook_04():
    from helpers import digit_metrics

    def mixture_pdf(x):
        return 0.5 * (np.exp(-((x + 2) ** 2) / 0.5) + np.exp(-((x - 2) ** 2) / 0.5)) / np.sqrt(0.5 * np.pi)

    def g_loss_from_logits(logits, kind):
        logits = np.asarray(logits, dtype=float)
        return float(np.mean(np.logaddexp(0, -logits)) if kind == "non_saturating" else -np.mean(np.logaddexp(0, logits)))

    conditional = FakeConditional()
    test_features = digit_metrics.features(data.to_float(data.load_mnist_sample("test")[0]))
    z = conditional.latent(300, seed=0)
    right = dict(d_star=lambda x: mixture_pdf(x) / (mixture_pdf(x) + stats.norm.pdf(x)),
                 g_loss_from_logits=g_loss_from_logits,
                 fid_ones=digit_metrics.fid(test_features, conditional.generate(z, labels=np.full(300, 1))),
                 fid_all=digit_metrics.fid(test_features, conditional.generate(z, labels=np.arange(300) % 10)),
                 conditional=conditional, test_features=test_features)
    assert exercises.evaluate("04", **right) == {1: True, 2: True, 3: True}
    wrong = dict(right, d_star=lambda x: mixture_pdf(x) / stats.norm.pdf(x),
                 g_loss_from_logits=lambda logits, kind: g_loss_from_logits(logits, "non_saturating"),
                 fid_ones=right["fid_all"], fid_all=right["fid_ones"])
    assert exercises.evaluate("04", **wrong) == {1: False, 2: False, 3: False}


class FakeVAE:
    """Stands for a trained VAE: fixed codes, a fixed ELBO."""

    def __init__(self, log_var):
        self.log_var = np.asarray(log_var, dtype=np.float64)

    def embed(self, x):
        return np.zeros((len(x), len(self.log_var)))

    def encode(self, x):
        return self.embed(x), np.tile(self.log_var, (len(x), 1))

    def elbo_terms(self, x, samples=1):
        return {"neg_elbo": np.full(len(x), 100.0)}


def test_notebook_05():
    x_test = np.zeros((1000, 28, 28), np.float32)
    # KL per dimension: 3 of 1.51, 3 of 0.57, 10 of 0 (off). 90% of the total 6.23 nats needs 5 dimensions
    # (cumulative 1.51, 3.02, 4.53, 5.09, 5.66); 6, the number of active dimensions, is wrong.
    beta8 = FakeVAE([-4.0] * 3 + [-2.0] * 3 + [0.0] * 10)
    mu, lv = np.array([0.5, -1.0, 0.0]), np.array([-1.0, 0.3, 0.0])
    right = dict(kl_answer=float(0.5 * np.sum(np.exp(lv) + mu**2 - 1 - lv)), iwae_answers=[-100.0, -99.0, -98.5],
                 kl90_answer=5, vae2=FakeVAE([0.0, 0.0]), beta_models={8: beta8}, x_test=x_test)
    assert exercises.evaluate("05", **right) == {1: True, 2: True, 3: True}
    wrong = dict(right, kl_answer=0.5, iwae_answers=[-98.0, -99.0, -100.0], kl90_answer=6)
    assert exercises.evaluate("05", **wrong) == {1: False, 2: False, 3: False}
    # the text asks for bounds that increase with k: a decrease within noise is not accepted either
    assert exercises.evaluate("05", **dict(right, iwae_answers=[-99.9, -100.0, -99.5]))[2] is False


def test_notebook_06():
    class FakeFlow:
        def generate(self, noise, steps):
            return noise * 0.5 + steps

    betas = np.linspace(1e-4, 0.02, 1000)
    alpha2 = np.cumprod(1 - betas)
    scaled = exercises._train_digits()[0].astype(np.float64) * 2 - 1
    start = np.random.default_rng(0).standard_normal((500, 2))
    right = dict(snr_step=int(np.argmax(alpha2 / (1 - alpha2) < 1)) + 1, floor_zero=float(np.mean(scaled**2)),
                 floor_mean=float(np.mean((scaled - scaled.mean(0)) ** 2)), my_samples=start * 0.5 + 20,
                 flow=FakeFlow())
    assert exercises.evaluate("06", **right) == {1: True, 2: True, 3: True}
    wrong = dict(right, snr_step=right["snr_step"] - 1, floor_zero=right["floor_mean"], my_samples=start)
    assert exercises.evaluate("06", **wrong) == {1: False, 2: False, 3: False}


def test_notebook_07():
    from helpers import data, noise, synthetic

    grid = synthetic.load_grid()
    # the worked solutions of the notebook's hidden block
    texture = noise.value_noise((64, 64), scale=16, octaves=4, rng=0).astype(np.float64)
    w = np.sin(np.pi * (np.arange(64) + 0.5) / 64) ** 2
    half = w[:, None] * texture + (1 - w[:, None]) * np.roll(texture, 32, axis=0)
    my_tile = w[None, :] * half + (1 - w[None, :]) * np.roll(half, 32, axis=1)
    x, y = data.load_mnist_sample("test")
    at_03 = synthetic.noise_robustness(None, data.to_float(x), y, [0.3], seed=0)[:, 0]
    worst_kind = noise.NOISE_KINDS[int(np.argmin(at_03))]
    acc = grid["few_accuracy"][0]
    right = dict(my_tile=my_tile, worst_kind=worst_kind, aug_gain=100 * float(np.mean(acc[1] - acc[0])), grid=grid)
    assert exercises.evaluate("07", **right) == {1: True, 2: True, 3: True}
    other = [k for k in noise.NOISE_KINDS if k != worst_kind][0]
    wrong = dict(right, my_tile=texture, worst_kind=other, aug_gain=right["aug_gain"] + 1)
    assert exercises.evaluate("07", **wrong) == {1: False, 2: False, 3: False}
