"""helpers.models.vae: the bounds it reports are what they claim (ELBO <= IWAE, closed-form KL), it learns, it saves."""

import math

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from helpers import data  # noqa: E402
from helpers.models import load_shipped, shipped_names  # noqa: E402
from helpers.models import vae as V  # noqa: E402


def binary_digits(split, n):
    images, labels = data.load_mnist_sample(split)
    return (data.to_float(images[:n]) > 0.5).astype(np.float32), labels[:n]


@pytest.fixture(scope="module")
def train_x():
    return binary_digits("train", 1000)[0]


@pytest.fixture(scope="module")
def heldout_x():
    return binary_digits("test", 200)[0]


@pytest.fixture(scope="module")
def trained(train_x):
    """A latent-4 VAE after 3 short epochs (60 steps): good enough to have a real posterior."""
    keras.utils.set_random_seed(1)
    model = V.VAE(latent_dim=4, seed=1)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    model.fit(train_x, batch_size=50, epochs=3, verbose=0)
    return model


# --------------------------------------------------------------------------- formulas


def test_log_mean_exp_is_stable_and_exact():
    w = np.array([[-1000.0, -1001.0, -1002.0], [0.5, 1.0, 2.0]])
    got = V.log_mean_exp(w, axis=1)
    assert np.all(np.isfinite(got))
    expected_first = -1000.0 + math.log((1 + math.exp(-1) + math.exp(-2)) / 3)
    assert got[0] == pytest.approx(expected_first, abs=1e-12)
    assert got[1] == pytest.approx(math.log(np.mean(np.exp(w[1]))), abs=1e-12)
    # Jensen: log-mean-exp is never below the mean
    rng = np.random.default_rng(0)
    many = rng.normal(-300, 20, size=(50, 40))
    assert np.all(V.log_mean_exp(many, axis=1) >= many.mean(axis=1) - 1e-9)


def test_kl_closed_form_matches_monte_carlo():
    rng = np.random.default_rng(0)
    mean, log_var = np.array([0.7, -1.2, 0.0]), np.array([-0.5, 0.8, 0.0])
    z = mean + np.exp(0.5 * log_var) * rng.standard_normal((400_000, 3))
    log_q = -0.5 * np.sum((z - mean) ** 2 / np.exp(log_var) + log_var + np.log(2 * np.pi), axis=1)
    log_p = -0.5 * np.sum(z**2 + np.log(2 * np.pi), axis=1)
    assert V.kl_diagonal_gaussian(mean, log_var) == pytest.approx(np.mean(log_q - log_p), abs=0.01)
    assert V.kl_diagonal_gaussian(np.zeros(5), np.zeros(5)) == 0.0


def test_bits_per_dim():
    assert V.bits_per_dim(784 * math.log(2)) == pytest.approx(1.0)
    assert V.bits_per_dim(100.0) == pytest.approx(100.0 / (784 * math.log(2)))


# --------------------------------------------------------------------------- the model


def test_shapes_and_ranges(heldout_x):
    model = V.VAE(latent_dim=3)
    x = heldout_x[:7]
    mean, log_var = model.encode(x[..., None])
    assert tuple(mean.shape) == (7, 3) and tuple(log_var.shape) == (7, 3)
    assert model.embed(x).shape == (7, 3)
    recon = model.reconstruct(x)
    assert recon.shape == (7, 28, 28) and recon.min() >= 0 and recon.max() <= 1
    assert model.generate(5, seed=0).shape == (5, 28, 28)
    assert np.array_equal(model.generate(5, seed=3), model.generate(5, seed=3))
    assert model.log_weights(x, k=6).shape == (7, 6)
    terms = model.elbo_terms(x)
    assert set(terms) == {"recon", "kl", "neg_elbo"} and terms["kl"].shape == (7,)


def test_kl_is_nonnegative_and_equals_the_closed_form(trained, heldout_x):
    terms = trained.elbo_terms(heldout_x)
    assert np.all(terms["kl"] >= 0)
    mean, log_var = (keras.ops.convert_to_numpy(t) for t in trained.encode(heldout_x[..., None]))
    np.testing.assert_allclose(terms["kl"], V.kl_diagonal_gaussian(mean, log_var), rtol=1e-4, atol=1e-3)
    assert terms["kl"].mean() > 0.5  # a trained encoder uses its latent space
    np.testing.assert_allclose(terms["neg_elbo"], terms["recon"] + terms["kl"])


def test_elbo_never_exceeds_the_importance_weighted_bound(trained, heldout_x):
    x = heldout_x[:100]
    elbo = -trained.elbo_terms(x, samples=200)["neg_elbo"].mean()
    iwae_5 = trained.iwae_bound(x, k=5).mean()
    iwae_200 = trained.iwae_bound(x, k=200).mean()
    assert elbo <= iwae_5 <= iwae_200
    assert iwae_200 - elbo > 0.1  # strictly tighter on a real model, not just noise
    # k = 1 is the ELBO itself (one sample): same expectation
    iwae_1 = np.mean([trained.iwae_bound(x, k=1).mean() for _ in range(20)])
    assert iwae_1 == pytest.approx(elbo, abs=1.5)


def test_a_few_steps_improve_the_elbo(train_x, heldout_x):
    keras.utils.set_random_seed(0)
    model = V.VAE(latent_dim=2, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    before = model.evaluate(heldout_x, batch_size=200, verbose=0, return_dict=True)
    model.fit(train_x, batch_size=50, epochs=2, verbose=0)  # 40 steps
    after = model.evaluate(heldout_x, batch_size=200, verbose=0, return_dict=True)
    assert before["neg_elbo"] > 500  # untrained: about 784 ln 2 = 543 nats
    assert after["neg_elbo"] < before["neg_elbo"] - 100
    assert after["loss"] == pytest.approx(after["recon"] + after["kl"], rel=1e-5)


def test_beta_weights_only_the_kl_term(trained, heldout_x):
    model = V.VAE(latent_dim=4, beta=3.0, seed=1)
    model.set_weights(trained.get_weights())
    model.compile(optimizer="adam")
    result = model.evaluate(heldout_x, batch_size=200, verbose=0, return_dict=True)
    assert result["loss"] == pytest.approx(result["recon"] + 3.0 * result["kl"], rel=1e-5)
    assert result["neg_elbo"] == pytest.approx(result["recon"] + result["kl"], rel=1e-5)


def test_save_and_load_keras_file_in_safe_mode(trained, heldout_x, tmp_path):
    path = tmp_path / "vae.keras"
    trained.save(path)
    loaded = V.load_vae(path)
    assert (loaded.latent_dim, loaded.beta, loaded.filters) == (trained.latent_dim, trained.beta, trained.filters)
    np.testing.assert_allclose(loaded.embed(heldout_x[:20]), trained.embed(heldout_x[:20]), atol=1e-6)
    np.testing.assert_allclose(loaded.decode_numpy(np.ones((2, 4))), trained.decode_numpy(np.ones((2, 4))),
                               atol=1e-6)
    other = tmp_path / "other.keras"
    keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save(other)
    with pytest.raises(ValueError, match="not a VAE"):
        V.load_vae(other)


def test_bad_inputs_are_refused_with_clear_errors(heldout_x):
    model = V.VAE(latent_dim=2)
    with pytest.raises(ValueError, match="binary"):
        model.embed(heldout_x[:3] * 0.5)
    with pytest.raises(ValueError, match="binary"):
        model.iwae_bound(np.full((2, 28, 28), 0.3), k=2)
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28\)"):
        model.embed(np.zeros((2, 32, 32)))
    with pytest.raises(ValueError, match="empty"):
        model.elbo_terms(np.zeros((0, 28, 28)))
    with pytest.raises(ValueError, match="k must be a positive integer"):
        model.iwae_bound(heldout_x[:2], k=0)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 2\)"):
        model.decode_numpy(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="latent_dim"):
        V.VAE(latent_dim=0)
    with pytest.raises(ValueError, match="beta"):
        V.VAE(beta=-1.0)
    with pytest.raises(ValueError, match="filters"):
        V.VAE(filters=(32,))


def test_train_vae_uses_the_course_settings(train_x):
    model, history = V.train_vae(train_x[:256], latent_dim=3, beta=2.0, epochs=2, seed=5)
    assert (model.latent_dim, model.beta) == (3, 2.0)
    assert set(history) >= {"loss", "neg_elbo", "recon", "kl"} and len(history["loss"]) == 2
    assert history["loss"][-1] < history["loss"][0]
    with pytest.raises(ValueError, match="binary"):
        V.train_vae(train_x[:10] * 0.5, epochs=1)


def test_shipped_model_matches_its_record():
    import json

    runs = json.loads(data.embedded_path("vae_runs.json").read_text())
    model = load_shipped("vae_z2")
    record = runs["vae_z2"]
    assert (model.latent_dim, model.beta) == (record["latent_dim"], record["beta"]) == (2, 1.0)
    x_test = binary_digits("test", 1000)[0]
    keras.utils.set_random_seed(0)
    neg_elbo = model.elbo_terms(x_test, samples=4)["neg_elbo"].mean()
    assert neg_elbo == pytest.approx(record["test"]["neg_elbo"], abs=1.0)
    assert record["test"]["neg_iwae"] < record["test"]["neg_elbo"]
    assert set(runs) == set(shipped_names("vae:load_vae"))
    with pytest.raises(ValueError, match="not a shipped model"):
        load_shipped("vae_z3")


def test_training_resumes_exactly_with_the_course_loop(train_x, tmp_path):
    """Interrupted after 5 steps and resumed, the run ends with the same weights as an uninterrupted one."""
    from helpers.training import fit_resumable

    x = train_x[:200]

    def batches(epoch, rng):
        order = rng.permutation(len(x))
        return [x[order[i:i + 50]] for i in range(0, len(x), 50)]

    def fresh():
        keras.utils.set_random_seed(3)
        model = V.VAE(latent_dim=2, seed=3)
        model.compile(optimizer=keras.optimizers.Adam(3e-3))
        return model

    straight = fresh()
    fit_resumable(straight, batches, epochs=2, progress=False)
    interrupted = fresh()
    fit_resumable(interrupted, batches, epochs=2, checkpoint_dir=tmp_path, max_steps=5, progress=False)
    resumed = fresh()
    history = fit_resumable(resumed, batches, epochs=2, checkpoint_dir=tmp_path, progress=False)
    assert history["step"][-1] == 8
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
