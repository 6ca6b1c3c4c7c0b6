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
    """With the EMA option on, so that the averaged generator is checked too (model.variables)."""
    batches = training.image_batches(digits[0], 32)
    straight = G.make_dcgan(seed=5, ema=0.9)
    h1 = training.fit_resumable(straight, batches, epochs=2, progress=False)
    part = G.make_dcgan(seed=5, ema=0.9)
    training.fit_resumable(part, batches, epochs=2, checkpoint_dir=tmp_path, checkpoint_every=3,
                           max_steps=10, progress=False)
    resumed = G.make_dcgan(seed=5, ema=0.9)
    h2 = training.fit_resumable(resumed, batches, epochs=2, checkpoint_dir=tmp_path,
                                checkpoint_every=3, progress=False)
    assert h2["g_loss"] == h1["g_loss"]
    for a, b in zip(weights(straight), weights(resumed)):
        np.testing.assert_array_equal(a, b)
    z = straight.latent(8, seed=3)
    np.testing.assert_array_equal(straight.generate(z), resumed.generate(z))


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


def test_projection_discriminator_logit_is_shared_part_plus_class_vector_dot_features(digits):
    """D(x, y) = w.h(x) + b + e_y.h(x): for one image the logits of two classes differ by (e_y - e_y').h(x)."""
    d = G.dcgan_discriminator(n_classes=10, conditioning="projection", seed=0)
    flatten = next(layer for layer in d.layers if isinstance(layer, keras.layers.Flatten))
    features = keras.Model(d.inputs[0], flatten.output)
    x = np.repeat(digits[0][:3, ..., None], 10, axis=0)                   # 3 images x 10 classes
    y = np.tile(np.eye(10, dtype="float32"), (3, 1))
    logits = keras.ops.convert_to_numpy(d([x, y])).reshape(3, 10)
    h = keras.ops.convert_to_numpy(features(x[::10]))                      # (3, features)
    e = keras.ops.convert_to_numpy(d.get_layer("class_embedding").kernel)  # (10, features)
    np.testing.assert_allclose(logits - logits[:, :1], h @ (e - e[:1]).T, rtol=1e-4, atol=1e-4)
    assert np.ptp(logits, axis=1).min() > 1e-3                             # the class matters
    gan = G.make_conditional_dcgan(conditioning="projection", ema=0.9)
    history = training.fit_resumable(gan, training.image_batches(digits[0], 32, labels=digits[1]), epochs=1,
                                     max_steps=2, progress=False)
    assert np.isfinite(history["d_loss"]).all()
    with pytest.raises(ValueError, match="conditioning"):
        G.make_conditional_dcgan(conditioning="concat")


def test_toy_gan_moves_towards_the_data():
    rng = np.random.default_rng(0)
    samples = rng.normal(3.0, 0.5, size=2048).astype("float32")
    gan = G.make_toy_gan(data_dim=1)
    before = abs(float(gan.generate(n=512).mean()) - 3.0)
    training.fit_resumable(gan, training.array_batches(samples, 128), epochs=15, progress=False)
    after = abs(float(gan.generate(n=512).mean()) - 3.0)
    assert after < 0.5 * before


@pytest.mark.parametrize("ema", [0.0, 0.9])
def test_gan_saves_and_loads_with_safe_mode(digits, tmp_path, ema):
    gan = G.make_dcgan(ema=ema)
    training.fit_resumable(gan, training.image_batches(digits[0], 32), epochs=1, max_steps=2, progress=False)
    path = training.save_model(gan, tmp_path / "gan.keras")
    loaded = training.load_model(path, compile=False)
    assert isinstance(loaded, G.GAN) and loaded.latent_dim == gan.latent_dim and loaded.ema == ema
    z = gan.latent(4)
    np.testing.assert_allclose(loaded.generate(z), gan.generate(z), atol=1e-6)
    np.testing.assert_allclose(loaded.generate(z, averaged=False), gan.generate(z, averaged=False), atol=1e-6)


def test_ema_weights_equal_the_closed_form_average(digits):
    """After n generator updates the average is sum_k c_k w_k over the generator's states
    w_0..w_n (weights and batch-norm statistics), c_k = (1 - d_k) prod_{j>k} d_j with d_0 = 0 and
    d_k = min(ema, k / (9 + k)) for update k = 1..n: the closed form of the recursive update."""
    decay, n = 0.6, 5
    gan = G.make_dcgan(seed=1, ema=decay)
    states = [weights(gan.generator)]
    for batch in list(training.image_batches(digits[0], 32)(0, np.random.default_rng(0)))[:n]:
        gan.train_on_batch(batch)
        states.append(weights(gan.generator))
    d = [0.0] + [min(decay, k / (9 + k)) for k in range(1, n + 1)]
    c = [(1 - d[k]) * np.prod(d[k + 1:]) for k in range(n + 1)]
    assert np.isclose(sum(c), 1.0) and min(c) > 0           # a proper average of all states
    for i, got in enumerate(weights(gan.ema_generator)):
        np.testing.assert_allclose(got, sum(ck * s[i] for ck, s in zip(c, states)), rtol=1e-5, atol=1e-6)
    assert not np.allclose(weights(gan.ema_generator)[0], states[-1][0])     # not a copy of the last


def test_ema_is_off_by_default_and_generate_samples_the_average(digits):
    plain = G.make_dcgan(seed=2)
    assert plain.ema == 0 and plain.ema_generator is None and plain.sampler is plain.generator
    gan = G.make_dcgan(seed=2, ema=0.9)
    training.fit_resumable(gan, training.image_batches(digits[0], 32), epochs=1, max_steps=3, progress=False)
    z = gan.latent(4, seed=0)
    averaged, trained = gan.generate(z), gan.generate(z, averaged=False)
    np.testing.assert_allclose(averaged, keras.ops.convert_to_numpy(gan.ema_generator(z)), atol=1e-6)
    np.testing.assert_allclose(trained, keras.ops.convert_to_numpy(gan.generator(z)), atol=1e-6)
    assert not np.allclose(averaged, trained)
    for bad, error in ((-0.1, ValueError), (1.0, ValueError), (float("nan"), ValueError), ("0.9", TypeError)):
        with pytest.raises(error, match="ema"):
            G.make_dcgan(ema=bad)


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


@pytest.fixture(scope="module")
def ablation_script():
    """benchmarks/gan_ablation.py as a module (it is a script, not part of helpers)."""
    import importlib.util

    from helpers import config

    path = config.repo_root() / "benchmarks" / "gan_ablation.py"
    spec = importlib.util.spec_from_file_location("gan_ablation_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stored_ablation(path):
    import json

    arrays = data.load_npz(path, ["table"])
    return arrays, json.loads(arrays["table"].item())


def test_stored_ablation_labels_are_the_benchmarks_current_ones(ablation_script):
    """Notebook 04's ablation table shows the labels of data/gan_ablation.npz: they must be the
    benchmark's ROWS labels (renaming a row there without --relabel leaves a stale label)."""
    _, meta = _stored_ablation(data.embedded_path("gan_ablation.npz"))
    assert {r["row"]: r["what"] for r in meta["table"]} == {
        r["row"]: ablation_script.ROWS[r["row"]][0] for r in meta["table"]}


def test_relabel_changes_only_the_labels_and_the_checksum(ablation_script, tmp_path):
    import json
    import shutil

    path = tmp_path / "gan_ablation.npz"
    shutil.copy(data.embedded_path("gan_ablation.npz"), path)
    arrays, meta = _stored_ablation(path)
    meta["table"][0]["what"] = "a stale label"
    arrays["table"] = np.array(json.dumps(meta))
    path.write_bytes(data.npz_bytes(arrays))
    (tmp_path / "SHA256SUMS").write_text(f"{'0' * 64}  gan_ablation.npz\n{'1' * 64}  other.npz\n")

    row = meta["table"][0]["row"]
    assert ablation_script.relabel(path) == {row: ("a stale label", ablation_script.ROWS[row][0])}
    after, new_meta = _stored_ablation(path)
    assert set(after) == set(arrays)
    for key in set(arrays) - {"table"}:
        np.testing.assert_array_equal(after[key], arrays[key])
    assert new_meta["table"][0]["what"] == ablation_script.ROWS[row][0]
    for old_line, new_line in zip(meta["table"], new_meta["table"]):
        assert {k: v for k, v in old_line.items() if k != "what"} == {k: v for k, v in new_line.items() if k != "what"}
    assert "no retraining" in new_meta["relabelled"]
    assert (tmp_path / "SHA256SUMS").read_text().splitlines() == [
        f"{data.sha256_of(path)}  gan_ablation.npz", f"{'1' * 64}  other.npz"]
    before = path.read_bytes()
    assert ablation_script.relabel(path) == {} and path.read_bytes() == before   # already current: untouched
