"""helpers.models.gan: training changes weights with finite losses, exact resume, conditional
and toy variants, saving, and clear errors for bad input."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from helpers import data, training  # noqa: E402
from helpers.models import gan as G  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    x, y = data.load_mnist_sample("train")
    return data.to_float(x[:256]), y[:256]


def weights(model):
    return [keras.ops.convert_to_numpy(v) for v in model.variables]


def test_dcgan_shapes_and_size():
    gan = G.make_dcgan()
    assert gan.generate(n=4).shape == (4, 28, 28, 1)
    out = gan.generate(n=4)
    assert out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    n_params = gan.generator.count_params() + gan.discriminator.count_params()
    assert 100_000 <= n_params <= 300_000


def test_a_few_steps_change_both_networks_and_losses_are_finite(digits):
    gan = G.make_dcgan()
    g0, d0 = weights(gan.generator), weights(gan.discriminator)
    history = training.fit_resumable(gan, training.image_batches(digits[0], 32), epochs=1, max_steps=3,
                                     progress=False)
    assert set(history) >= {"d_loss", "g_loss", "d_real", "d_fake"}
    for key in ("d_loss", "g_loss"):
        assert len(history[key]) == 3 and np.isfinite(history[key]).all()
    assert all(0 <= v <= 1 for v in history["d_real"] + history["d_fake"])
    assert any(not np.array_equal(a, b) for a, b in zip(g0, weights(gan.generator)))
    assert any(not np.array_equal(a, b) for a, b in zip(d0, weights(gan.discriminator)))
    assert int(gan.g_optimizer.iterations) == 3 and int(gan.d_optimizer.iterations) == 3


def test_discriminator_learns_to_separate_real_from_noise_generator(digits):
    """With the generator frozen (lr 0), D's loss must fall: the update direction is right."""
    gan = G.make_dcgan(g_lr=0.0, d_lr=1e-3)
    history = training.fit_resumable(gan, training.image_batches(digits[0], 32), epochs=3, progress=False)
    assert np.mean(history["d_loss"][-4:]) < 0.5 * np.mean(history["d_loss"][:2])
    assert history["d_real"][-1] > history["d_fake"][-1]


def test_interrupted_then_resumed_gan_equals_uninterrupted(digits, tmp_path):
    batches = training.image_batches(digits[0], 32)
    straight = G.make_dcgan(seed=5)
    h1 = training.fit_resumable(straight, batches, epochs=2, progress=False)
    part = G.make_dcgan(seed=5)
    training.fit_resumable(part, batches, epochs=2, checkpoint_dir=tmp_path, checkpoint_every=3,
                           max_steps=10, progress=False)
    resumed = G.make_dcgan(seed=5)
    h2 = training.fit_resumable(resumed, batches, epochs=2, checkpoint_dir=tmp_path,
                                checkpoint_every=3, progress=False)
    np.testing.assert_allclose(h2["g_loss"], h1["g_loss"], rtol=1e-5)
    for a, b in zip(weights(straight), weights(resumed)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    z = straight.latent(8, seed=3)
    np.testing.assert_allclose(straight.generate(z), resumed.generate(z), atol=1e-5)


def test_conditional_gan_trains_and_respects_labels(digits):
    x, y = digits
    gan = G.make_conditional_dcgan()
    history = training.fit_resumable(gan, training.image_batches(x, 32, labels=y), epochs=1, max_steps=2,
                                     progress=False)
    assert np.isfinite(history["g_loss"]).all()
    z = np.repeat(gan.latent(1), 2, axis=0)
    a, b = gan.generate(z, labels=[3, 7])
    assert not np.allclose(a, b)                  # the label changes the picture
    with pytest.raises(ValueError, match="labels must be 2 integers in 0..9"):
        gan.generate(z, labels=[3, 12])


def test_toy_gan_moves_towards_the_data():
    rng = np.random.default_rng(0)
    samples = rng.normal(3.0, 0.5, size=2048).astype("float32")
    gan = G.make_toy_gan(data_dim=1)
    before = abs(float(gan.generate(n=512).mean()) - 3.0)
    training.fit_resumable(gan, training.array_batches(samples, 128), epochs=15, progress=False)
    after = abs(float(gan.generate(n=512).mean()) - 3.0)
    assert after < 0.5 * before


def test_gan_saves_and_loads_with_safe_mode(tmp_path):
    gan = G.make_dcgan()
    path = training.save_model(gan, tmp_path / "gan.keras")
    loaded = training.load_model(path, compile=False)
    assert isinstance(loaded, G.GAN) and loaded.latent_dim == gan.latent_dim
    z = gan.latent(4)
    np.testing.assert_allclose(loaded.generate(z), gan.generate(z), atol=1e-6)


@pytest.mark.parametrize("bad, error, words", [
    (np.zeros((64, 32, 32), np.float32), ValueError, "(N, 28, 28)"),
    (np.full((64, 28, 28), 255.0, np.float32), ValueError, "[0, 1]"),
    (np.zeros((64, 28, 28), np.int32), TypeError, "dtype int32"),
])
def test_bad_images_are_refused(bad, error, words):
    with pytest.raises(error) as info:
        training.image_batches(bad, 32)
    assert words in str(info.value)


def test_latent_size_mismatch_is_refused():
    gan = G.make_dcgan(latent_dim=16)
    with pytest.raises(ValueError, match=r"z must have shape \(n, 16\)"):
        gan.generate(np.zeros((3, 32), "float32"))
    with pytest.raises(ValueError, match="latent_dim=8"):
        G.GAN(G.dcgan_generator(16), G.dcgan_discriminator(), latent_dim=8)
    with pytest.raises(ValueError, match="batch_size"):
        training.image_batches(np.zeros((10, 28, 28), "float32"), 64)
    with pytest.raises(ValueError, match="only for a conditional"):
        gan.generate(n=2, labels=[0, 1])


def generator_step_size(kind, digits):
    """How far one GAN.train_step moves the generator, with D confident that fakes are fake.

    D's last bias is set to -6 (D(G(z)) about 0.0025, as early in training) and D's optimizer has
    learning rate 0, so the step measured is the generator's own, through the model's train_step.
    """
    gan = G.make_dcgan(seed=0, g_loss=kind, compile=False)
    gan.compile(keras.optimizers.SGD(1.0), keras.optimizers.SGD(0.0))
    gan.discriminator.layers[-1].bias.assign([-6.0])
    trainable = lambda: [keras.ops.convert_to_numpy(v) for v in gan.generator.trainable_variables]  # noqa: E731
    before = trainable()       # (batch norm's moving statistics change with any loss: left out)
    logs = gan.train_on_batch(digits[0][:64, :, :, None], return_dict=True)
    change = np.sqrt(sum(float(np.sum((a - b) ** 2)) for a, b in zip(trainable(), before)))
    return change, logs


def test_minimax_loss_gives_a_weaker_generator_gradient_than_non_saturating(digits):
    """At the start D rejects fakes; the min-max loss's gradient is then much smaller (train_step's own branch)."""
    step_ns, logs_ns = generator_step_size("non_saturating", digits)
    step_mm, logs_mm = generator_step_size("minimax", digits)
    assert step_ns > 0 and step_mm < 0.05 * step_ns
    # the losses reported are the two formulas at D(G(z)) ~ sigmoid(-6): -log D = 6.0, log(1 - D) = -0.0025
    assert logs_ns["g_loss"] == pytest.approx(6.0, abs=0.5)
    assert logs_mm["g_loss"] == pytest.approx(-0.0025, abs=0.002)
    with pytest.raises(ValueError, match="g_loss"):
        G.make_dcgan(g_loss="wasserstein")


def test_minimax_option_trains_with_its_own_loss(digits):
    gan = G.make_dcgan(g_loss="minimax")
    history = training.fit_resumable(gan, training.image_batches(digits[0], 32), epochs=1, max_steps=2,
                                     progress=False)
    assert all(v < 0 for v in history["g_loss"])         # -softplus(l) is negative
