"""Tests of helpers.density: densities integrate to 1, samplers pass KS tests, MLE recovers
parameters, log-likelihoods agree with scipy.stats, image models obey the shared protocol."""

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import integrate, stats

from helpers import density as d
from helpers.data import load_mnist_sample

#: Significance level of every Kolmogorov-Smirnov test below. With fixed seeds the tests are
#: deterministic; the level says how surprising a sample would have to be to fail.
KS_LEVEL = 0.01


# --------------------------------------------------------------------------- one variable


@pytest.mark.parametrize("mu,sigma", [(0.0, 1.0), (2.5, 0.3), (-1.0, 4.0)])
def test_gaussian_pdf_integrates_to_one_and_matches_scipy(mu, sigma):
    area, _ = integrate.quad(lambda x: d.gaussian_pdf(x, mu, sigma), -np.inf, np.inf)
    assert area == pytest.approx(1.0, abs=1e-8)
    x = np.linspace(mu - 5 * sigma, mu + 5 * sigma, 101)
    np.testing.assert_allclose(d.gaussian_logpdf(x, mu, sigma), stats.norm(mu, sigma).logpdf(x), rtol=1e-12)
    np.testing.assert_allclose(d.gaussian_cdf(x, mu, sigma), stats.norm(mu, sigma).cdf(x), atol=1e-14)
    q = np.linspace(0.01, 0.99, 21)
    np.testing.assert_allclose(d.gaussian_ppf(q, mu, sigma), stats.norm(mu, sigma).ppf(q), rtol=1e-10)


def test_uniform_pdf_integrates_to_one_and_cdf_is_its_integral():
    area, _ = integrate.quad(lambda x: d.uniform_pdf(x, -1.0, 3.0), -5, 5, points=[-1, 3])
    assert area == pytest.approx(1.0, abs=1e-10)
    x = np.linspace(-2, 4, 61)
    np.testing.assert_allclose(d.uniform_cdf(x, -1.0, 3.0), stats.uniform(-1.0, 4.0).cdf(x), atol=1e-14)
    np.testing.assert_allclose(d.uniform_pdf(x[(x > -1) & (x < 3)], -1.0, 3.0), 0.25)


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_non_positive_sigma_raises(bad):
    with pytest.raises(ValueError, match="sigma must be positive"):
        d.gaussian_pdf(0.0, 0.0, bad)
    with pytest.raises(ValueError, match="sigma"):
        d.gaussian_log_likelihood([1.0, 2.0], 0.0, bad)


def test_bad_uniform_interval_raises():
    with pytest.raises(ValueError, match="low < high"):
        d.uniform_pdf(0.5, 1.0, 1.0)


def test_box_muller_passes_ks_test_and_agrees_with_numpy():
    z = d.box_muller(20_000, rng=0)
    assert z.shape == (20_000,)
    assert stats.kstest(z, "norm").pvalue > KS_LEVEL
    # two-sample test against numpy's own normal sampler
    assert stats.ks_2samp(z, np.random.default_rng(1).standard_normal(20_000)).pvalue > KS_LEVEL
    assert d.box_muller(7, rng=0).shape == (7,)  # odd n


def test_ks_test_can_fail_on_a_wrong_sampler():
    """The KS check above has power: uniforms rescaled to unit variance are rejected."""
    wrong = (np.random.default_rng(0).random(20_000) - 0.5) * math.sqrt(12)
    assert stats.kstest(wrong, "norm").pvalue < KS_LEVEL


@pytest.mark.parametrize("name,ppf,dist", [
    ("normal", lambda u: d.gaussian_ppf(u, 1.0, 2.0), stats.norm(1.0, 2.0)),
    ("exponential", lambda u: -np.log1p(-u) / 3.0, stats.expon(scale=1 / 3.0)),
])
def test_inverse_cdf_sampler_passes_ks_test(name, ppf, dist):
    x = d.inverse_cdf_sample(ppf, 20_000, rng=2)
    assert np.all(np.isfinite(x))
    assert stats.kstest(x, dist.cdf).pvalue > KS_LEVEL, name
    # and against numpy's own sampler of the same distribution (two-sample test)
    gen = np.random.default_rng(3)
    reference = gen.normal(1.0, 2.0, 20_000) if name == "normal" else gen.exponential(1 / 3.0, 20_000)
    assert stats.ks_2samp(x, reference).pvalue > KS_LEVEL, name


def test_samplers_are_reproducible_with_a_seed():
    np.testing.assert_array_equal(d.box_muller(10, rng=5), d.box_muller(10, rng=5))
    assert not np.array_equal(d.box_muller(10, rng=5), d.box_muller(10, rng=6))
    with pytest.raises(TypeError, match="rng"):
        d.box_muller(10, rng="five")


def test_histogram_density_has_area_one():
    x = np.random.default_rng(0).normal(size=5000)
    dens, edges = d.histogram_density(x, bins=37)
    assert float(np.sum(dens * np.diff(edges))) == pytest.approx(1.0)


def test_kde_integrates_to_one_and_matches_scipy():
    x = np.random.default_rng(0).normal(size=300)
    h = 0.3
    area, _ = integrate.quad(lambda t: float(d.kde(t, x, h)), -8, 8, limit=200)
    assert area == pytest.approx(1.0, abs=1e-6)
    grid = np.linspace(-3, 3, 50)
    reference = stats.gaussian_kde(x, bw_method=h / x.std(ddof=1))(grid)
    np.testing.assert_allclose(d.kde(grid, x, h), reference, rtol=1e-10)
    with pytest.raises(ValueError, match="bandwidth"):
        d.kde(grid, x, 0.0)


def test_silverman_bandwidth_shrinks_with_more_data():
    rng = np.random.default_rng(0)
    assert d.silverman_bandwidth(rng.normal(size=100)) > d.silverman_bandwidth(rng.normal(size=10_000))


def test_mle_recovers_known_parameters_and_is_the_maximum():
    x = np.random.default_rng(3).normal(4.0, 0.5, size=50_000)
    mu, sigma = d.fit_gaussian_mle(x)
    assert mu == pytest.approx(4.0, abs=0.01) and sigma == pytest.approx(0.5, abs=0.01)
    best = d.gaussian_log_likelihood(x, mu, sigma)
    for dm, ds in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)]:
        assert d.gaussian_log_likelihood(x, mu + dm, sigma + ds) < best
    assert best == pytest.approx(float(np.sum(stats.norm(mu, sigma).logpdf(x))), rel=1e-12)
    with pytest.raises(ValueError, match="all equal"):
        d.fit_gaussian_mle([1.0, 1.0, 1.0])


# --------------------------------------------------------------------------- several variables


def test_mvn_logpdf_matches_scipy():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(5, 5))
    cov = A @ A.T + 0.5 * np.eye(5)
    mean = rng.normal(size=5)
    x = rng.normal(size=(20, 5))
    np.testing.assert_allclose(d.mvn_logpdf(x, mean, cov),
                               stats.multivariate_normal(mean, cov).logpdf(x), rtol=1e-10)
    assert isinstance(d.mvn_logpdf(x[0], mean, cov), float)


def test_mvn_density_integrates_to_one_in_2d():
    cov = np.array([[1.0, 0.6], [0.6, 0.5]])
    g = np.linspace(-7, 7, 401)
    X, Y = np.meshgrid(g, g)
    p = np.exp(d.mvn_logpdf(np.column_stack([X.ravel(), Y.ravel()]), [0.0, 0.0], cov))
    assert p.sum() * (g[1] - g[0]) ** 2 == pytest.approx(1.0, abs=1e-6)


def test_mvn_sample_has_the_requested_mean_and_covariance():
    mean = np.array([1.0, -2.0, 0.5])
    cov = np.array([[2.0, 0.8, 0.0], [0.8, 1.0, -0.3], [0.0, -0.3, 0.5]])
    x = d.mvn_sample(mean, cov, 100_000, rng=0)
    np.testing.assert_allclose(x.mean(axis=0), mean, atol=0.02)
    np.testing.assert_allclose(np.cov(x.T), cov, atol=0.03)
    # each projection is normal: KS test on one direction
    w = np.array([0.3, -1.0, 2.0])
    proj = (x[:5000] - mean) @ w / math.sqrt(w @ cov @ w)
    assert stats.kstest(proj, "norm").pvalue > KS_LEVEL


@pytest.mark.parametrize("cov,message", [
    ([[1.0, 2.0], [2.0, 1.0]], "not positive definite"),
    ([[1.0, 0.0], [0.0, 0.0]], "not positive definite"),
    ([[1.0, 0.5], [0.1, 1.0]], "symmetric"),
    ([1.0, 1.0], "square"),
    ([[1.0, np.nan], [np.nan, 1.0]], "finite"),
    (np.eye(3), r"shape \(2, 2\)"),
])
def test_bad_covariances_raise_clear_errors(cov, message):
    with pytest.raises(ValueError, match=message):
        d.mvn_sample([0.0, 0.0], cov, 10)
    with pytest.raises(ValueError, match=message):
        d.mvn_logpdf([0.0, 0.0], [0.0, 0.0], cov)


def test_mvn_wrong_shapes_raise():
    with pytest.raises(ValueError, match="mean must be a 1-D"):
        d.mvn_sample(np.zeros((2, 2)), np.eye(2), 3)
    with pytest.raises(ValueError, match=r"x must have shape \(2,\)"):
        d.mvn_logpdf(np.zeros((4, 3)), [0.0, 0.0], np.eye(2))


# --------------------------------------------------------------------------- shared protocol


def test_bits_per_dim_conversions():
    assert d.bits_per_dim(784 * math.log(2), 784) == pytest.approx(1.0)
    assert d.bits_per_dim(0.0, 784, offset_bits=8) == 8.0
    np.testing.assert_allclose(d.bits_per_dim(np.array([0.0, 2 * math.log(2)]), 2), [0.0, 1.0])
    with pytest.raises(ValueError, match="n_dims"):
        d.bits_per_dim(1.0, 0)


def test_binarize_is_deterministic_threshold_at_half():
    x = np.array([[0, 127, 128, 255]], dtype=np.uint8)
    b = d.binarize(x)
    assert b.dtype == np.float32 and b.tolist() == [[0.0, 0.0, 1.0, 1.0]]
    np.testing.assert_array_equal(d.binarize(x.astype(np.float32) / 255), b)
    with pytest.raises(ValueError, match="threshold"):
        d.binarize(x, threshold=1.5)
    with pytest.raises(ValueError):
        d.binarize(np.array([[2.0]]))


def test_dequantize_stays_in_each_level_bin_and_is_seeded():
    x = np.arange(256, dtype=np.uint8).reshape(16, 16)
    y = d.dequantize(x, rng=0)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_array_equal(np.floor(y.astype(np.float64) * 256).astype(int), x)
    np.testing.assert_array_equal(y, d.dequantize(x, rng=0))
    assert not np.array_equal(y, d.dequantize(x, rng=1))
    with pytest.raises(TypeError, match="uint8"):
        d.dequantize(x.astype(np.float32))


@pytest.fixture(scope="module")
def digits():
    train, _ = load_mnist_sample("train")
    test, _ = load_mnist_sample("test")
    return d.binarize(train), d.binarize(test)


def test_independent_bernoulli_is_the_smoothed_pixel_frequency(digits):
    train, test = digits
    model = d.IndependentBernoulli(alpha=1.0).fit(train)
    assert model.probs_.shape == (28, 28)
    expected = (train.sum(0) + 1) / (len(train) + 2)
    np.testing.assert_allclose(model.probs_, expected)
    ll = model.log_likelihood(test)
    assert ll.shape == (1000,) and np.all(np.isfinite(ll))
    # probabilities of all 2^2 images of a 2-pixel model sum to 1
    small = d.IndependentBernoulli().fit(np.array([[0, 1], [1, 1], [0, 0]], dtype=np.float32))
    allx = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    assert np.exp(small.log_likelihood(allx)).sum() == pytest.approx(1.0)
    # better than fair coins (1 bit/dim), worse than 0
    bpd = d.bits_per_dim(-ll.mean(), 784)
    assert 0.2 < bpd < 1.0
    samples = model.sample(500, rng=0)
    assert samples.shape == (500, 28, 28) and set(np.unique(samples)) <= {0.0, 1.0}
    np.testing.assert_allclose(samples.mean(0), model.probs_, atol=0.1)


def test_bernoulli_log_likelihoods_match_scipy(digits):
    train, test = digits
    model = d.IndependentBernoulli().fit(train)
    p = model.probs_.ravel()
    x = test[:20].reshape(20, -1)
    np.testing.assert_allclose(model.log_likelihood(test[:20]), stats.bernoulli(p).logpmf(x).sum(axis=1), rtol=1e-10)
    mix = d.BernoulliMixture(n_components=3, n_iter=5, seed=0).fit(train[:500])
    per_component = np.stack([stats.bernoulli(m.ravel()).logpmf(x).sum(axis=1) for m in mix.means_], axis=1)
    expected = np.log(np.sum(mix.weights_ * np.exp(per_component - per_component.max(1, keepdims=True)), axis=1))
    np.testing.assert_allclose(mix.log_likelihood(test[:20]), expected + per_component.max(1), rtol=1e-10)


def test_unsmoothed_bernoulli_gives_minus_infinity_for_unseen_pixels():
    model = d.IndependentBernoulli(alpha=0.0).fit(np.array([[0, 1], [0, 1]], dtype=np.float32))
    assert model.log_likelihood(np.array([[1, 1]], dtype=np.float32))[0] == -np.inf
    assert model.log_likelihood(np.array([[0, 1]], dtype=np.float32))[0] == 0.0


def test_bernoulli_models_reject_non_binary_or_wrong_shape(digits):
    train, _ = digits
    model = d.IndependentBernoulli().fit(train[:50])
    with pytest.raises(ValueError, match="only 0 and 1"):
        model.log_likelihood(np.full((2, 28, 28), 0.5))
    with pytest.raises(ValueError, match="fitted on"):
        model.log_likelihood(np.zeros((2, 10)))
    with pytest.raises(RuntimeError, match="fit"):
        d.BernoulliMixture(2, 2).log_likelihood(train[:2])
    with pytest.raises(ValueError, match="n_components"):
        d.BernoulliMixture(0, 5)


def test_bernoulli_mixture_em_never_decreases_and_beats_one_component(digits):
    train, test = digits
    model = d.BernoulliMixture(n_components=10, n_iter=15, seed=0).fit(train)
    history = np.array(model.history_)
    assert len(history) == 15 and np.all(np.diff(history) >= -1e-9)
    assert len(model.loglik_history_) == 15 and model.loglik_history_[-1] > model.loglik_history_[0]
    assert np.all(np.array(model.loglik_history_) >= history)  # the log prior is negative
    assert model.weights_.sum() == pytest.approx(1.0) and model.means_.shape == (10, 28, 28)
    single = d.IndependentBernoulli().fit(train)
    assert model.log_likelihood(test).mean() > single.log_likelihood(test).mean() + 20  # nats/image
    # same seed, same fit
    again = d.BernoulliMixture(n_components=10, n_iter=15, seed=0).fit(train)
    np.testing.assert_array_equal(model.means_, again.means_)
    samples = model.sample(8, rng=0)
    assert samples.shape == (8, 28, 28) and samples.dtype == np.float32
    r = model.responsibilities(test[:5])
    np.testing.assert_allclose(r.sum(1), 1.0)


def test_bernoulli_mixture_probabilities_sum_to_one_over_all_images():
    rng = np.random.default_rng(0)
    X = (rng.random((40, 4)) < 0.3).astype(np.float32)
    model = d.BernoulliMixture(n_components=3, n_iter=10, seed=1).fit(X)
    allx = np.array([[(i >> b) & 1 for b in range(4)] for i in range(16)], dtype=np.float32)
    assert np.exp(model.log_likelihood(allx)).sum() == pytest.approx(1.0)


def test_density_module_does_not_import_tensorflow():
    code = "import sys, helpers.density; print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- continuous image models


@pytest.fixture(scope="module")
def correlated():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(6, 6))
    return rng.normal(size=(800, 6)) @ A + np.arange(6)


@pytest.mark.parametrize("kind", ["independent", "pca", "full"])
def test_gaussian_image_model_matches_scipy_with_its_covariance(correlated, kind):
    X = correlated
    model = d.GaussianImageModel(kind, n_components=2, min_variance=1e-3).fit(X)
    centred = X - X.mean(0)
    lam, V = np.linalg.eigh(centred.T @ centred / len(X))
    lam, V = lam[::-1], V[:, ::-1]
    if kind == "independent":
        cov = np.diag(np.maximum(centred.var(0), 1e-3))
    else:
        if kind == "pca":  # probabilistic PCA: discarded directions share their mean variance
            lam = np.concatenate([lam[:2], np.full(4, lam[2:].mean())])
        cov = V @ np.diag(np.maximum(lam, 1e-3)) @ V.T
    np.testing.assert_allclose(model.log_likelihood(X[:50]),
                               stats.multivariate_normal(X.mean(0), cov).logpdf(X[:50]), rtol=1e-9)
    samples = model.sample(100_000, rng=0)
    np.testing.assert_allclose(np.cov(samples.T), cov, rtol=0.05, atol=0.05 * np.abs(cov).max())


def test_gaussian_image_model_density_integrates_to_one_in_2d():
    X = np.random.default_rng(1).normal(size=(300, 2)) @ np.array([[1.0, 0.7], [0.0, 0.4]])
    g = np.linspace(-6, 6, 301)
    grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    for kind in ("independent", "pca", "full"):
        model = d.GaussianImageModel(kind, n_components=1).fit(X)
        area = np.exp(model.log_likelihood(grid)).sum() * (g[1] - g[0]) ** 2
        assert area == pytest.approx(1.0, abs=1e-4), kind


def test_variance_floor_keeps_constant_pixels_finite():
    X = np.zeros((20, 3))
    X[:, 0] = np.random.default_rng(0).normal(size=20)  # two pixels never change
    model = d.GaussianImageModel("full", min_variance=1e-4).fit(X)
    ll = model.log_likelihood(np.array([[0.0, 0.01, 0.0]]))
    assert np.isfinite(ll).all()
    assert model.variances_.min() == pytest.approx(1e-4)


def test_encode_and_decode_are_inverse_on_the_principal_directions(correlated):
    model = d.GaussianImageModel("full").fit(correlated)
    coords = model.principal_coordinates(correlated)
    np.testing.assert_allclose(coords.mean(0), 0, atol=1e-9)
    np.testing.assert_allclose(coords.var(0), model.variances_, rtol=1e-9)  # no floor hit here
    z = model.encode(correlated[:10])
    np.testing.assert_allclose(z, coords[:10] / np.sqrt(model.variances_))
    np.testing.assert_allclose(model.decode(z), correlated[:10], atol=1e-4)
    pca = d.GaussianImageModel("pca", n_components=3).fit(correlated)
    z = np.array([[1.0, -2.0, 0.5]])
    np.testing.assert_allclose(pca.encode(pca.decode(z)), z, atol=1e-4)
    assert pca.decode(np.zeros(3)).shape == (6,)
    np.testing.assert_allclose(pca.decode(np.zeros(3)), correlated.mean(0), atol=1e-5)
    with pytest.raises(ValueError, match="at most 3"):
        pca.decode(np.zeros(4))
    with pytest.raises(ValueError, match="independent"):
        d.GaussianImageModel("independent").fit(correlated).decode([0.0])


def test_gaussian_image_model_rejects_bad_arguments(correlated):
    with pytest.raises(ValueError, match="kind"):
        d.GaussianImageModel("diagonal")
    with pytest.raises(ValueError, match="min_variance"):
        d.GaussianImageModel("full", min_variance=0.0)
    with pytest.raises(ValueError, match="smaller than D"):
        d.GaussianImageModel("pca", n_components=6).fit(correlated)
    with pytest.raises(RuntimeError, match="fit"):
        d.GaussianImageModel().log_likelihood(correlated)
    model = d.GaussianImageModel("full").fit(correlated)
    with pytest.raises(ValueError, match="fitted on"):
        model.log_likelihood(np.zeros((2, 5)))


def test_one_component_mixture_is_the_full_gaussian(correlated):
    one = d.PCAGaussianMixture(n_components=1, n_pca=3, min_variance=1e-9, seed=0).fit(correlated)
    full = d.GaussianImageModel("full", min_variance=1e-9).fit(correlated)
    np.testing.assert_allclose(one.log_likelihood(correlated[:20]), full.log_likelihood(correlated[:20]),
                               rtol=1e-6)


def test_mixture_density_integrates_to_one_in_2d():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal([-2, 0], 0.5, (200, 2)), rng.normal([2, 1], 0.5, (200, 2))])
    model = d.PCAGaussianMixture(n_components=2, n_pca=1, seed=0).fit(X)
    g = np.linspace(-8, 8, 321)
    grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    assert np.exp(model.log_likelihood(grid)).sum() * (g[1] - g[0]) ** 2 == pytest.approx(1.0, abs=1e-4)
    samples = model.sample(4000, rng=1)
    assert stats.ks_2samp(samples[:, 0], X[:, 0]).pvalue > KS_LEVEL
    smooth = model.sample(10, rng=1, noise=False)
    assert smooth.shape == (10, 2)


def test_mixture_keeps_the_image_shape():
    X = np.random.default_rng(0).random((60, 4, 5))
    model = d.PCAGaussianMixture(n_components=2, n_pca=3, seed=0).fit(X)
    assert model.sample(3, rng=0).shape == (3, 4, 5)
    assert model.pca_.decode(np.zeros((2, 3))).shape == (2, 4, 5)
    assert model.log_likelihood(X[:7]).shape == (7,)


def test_bernoulli_ladder_is_one_setting_in_both_modes(monkeypatch):
    """Notebooks 02 and 05 report the same Bernoulli models: bernoulli_ladder fits them with one setting."""
    X = (np.random.default_rng(3).random((80, 5, 5)) < 0.3).astype(np.float32)
    setting = d.BERNOULLI_LADDER
    for quick, n_iter in (("0", setting["n_iter"][0]), ("1", setting["n_iter"][1])):
        monkeypatch.setenv("COURSE_QUICK", quick)
        independent, mixtures = d.bernoulli_ladder(X)
        assert sorted(mixtures) == sorted(setting["sizes"])
        assert np.allclose(independent.log_likelihood(X),
                           d.IndependentBernoulli(alpha=setting["alpha"]).fit(X).log_likelihood(X))
        for k, mixture in mixtures.items():
            direct = d.BernoulliMixture(n_components=k, n_iter=n_iter, seed=setting["seed"],
                                              alpha=setting["alpha"]).fit(X)
            assert mixture.n_iter == n_iter and len(mixture.loglik_history_) == n_iter
            assert np.array_equal(mixture.log_likelihood(X), direct.log_likelihood(X))


def test_continuous_ladder_on_dequantized_digits():
    """Every model beats the uniform density (8 bits/dim); the full covariance beats independent pixels."""
    train, _ = load_mnist_sample("train")
    test, _ = load_mnist_sample("test")
    x_train, x_test = d.dequantize(train, rng=0), d.dequantize(test, rng=1)
    scores = {}
    for kind in ("independent", "full"):
        model = d.GaussianImageModel(kind, min_variance=1e-4).fit(x_train)
        scores[kind] = d.bits_per_dim(-model.log_likelihood(x_test).mean(), 784, offset_bits=8)
    assert scores["full"] < scores["independent"] < 8.0, scores
