"""helpers.synthetic: the leakage guard, seeded bit-identity, grid shapes, bad settings."""

import numpy as np
import pytest

from helpers import data, digit_metrics, synthetic


def test_leakage_guard_refuses_generators_that_saw_the_labels():
    assert synthetic.check_leakage("dcgan", 100)["labels_seen"] == 0
    assert synthetic.check_leakage("vae", 1)["labels_seen"] == 0
    for source in ("conditional_dcgan", "diffusion_guided", "diffusion_unconditional"):
        with pytest.raises(ValueError, match="label leakage"):
            synthetic.check_leakage(source, 1000)
    assert synthetic.check_leakage("conditional_dcgan", 4000)      # a 4,000-label experiment may use it


def test_few_label_grid_refuses_a_leaking_generator_before_training():
    with pytest.raises(ValueError, match="label leakage"):
        synthetic.few_label_grid((100,), seeds=(0,), generator="conditional_dcgan", epochs=1)


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_labels=(0,)), "n_labels"),
    (dict(n_labels=(-5,)), "n_labels"),
    (dict(n_labels=(2001,)), "at most 2000"),
    (dict(generator="stylegan"), "source"),
    (dict(seeds=()), "seeds"),
    (dict(epochs=0), "epochs"),
])
def test_few_label_grid_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        synthetic.few_label_grid(**{"n_labels": (20,), "seeds": (0,), "epochs": 1, **kwargs}, progress=False)


@pytest.mark.parametrize("call, message", [
    (lambda: synthetic.tstr_grid(("real", "midjourney"), seeds=(0,)), "source"),
    (lambda: synthetic.tstr_grid((), seeds=(0,)), "sources"),
    (lambda: synthetic.generate_digits("real", 0), "n"),
    (lambda: synthetic.generate_digits("real", 4001), "class"),
    (lambda: synthetic.balanced_subset(np.arange(10), 20), "class"),
    (lambda: synthetic.pseudo_label(np.zeros((3, 28, 27))), "images"),
    (lambda: synthetic.pseudo_label(np.zeros((3, 28, 28)), per_class=0), "per_class"),
    (lambda: synthetic.augment(np.zeros((3, 32, 32))), "images"),
    (lambda: synthetic.accuracy(None, np.zeros((3, 28, 28)), [1, 2]), "labels"),
    (lambda: synthetic.noise_robustness(None, np.zeros((3, 28, 28)), [0, 1, 2], [1.5]), "level"),
    (lambda: synthetic.noise_robustness(None, np.zeros((3, 28, 28)), [0, 1, 2], [0.1], kinds=["pink"]), "kind"),
])
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_balanced_subset_and_real_source_are_seeded_and_balanced():
    _, y = data.load_mnist_sample("train")
    a = synthetic.balanced_subset(y, 100, seed=3)
    assert np.bincount(y[a], minlength=10).tolist() == [10] * 10
    assert np.array_equal(a, synthetic.balanced_subset(y, 100, seed=3))
    assert not np.array_equal(a, synthetic.balanced_subset(y, 100, seed=4))


def test_augment_is_seeded_and_changes_the_digits():
    x, _ = synthetic.generate_digits("real", 20, seed=0)
    a, b = synthetic.augment(x, seed=7), synthetic.augment(x, seed=7)
    assert np.array_equal(a, b) and not np.array_equal(a, synthetic.augment(x, seed=8))
    assert a.min() >= 0 and a.max() <= 1 and np.abs(a - x).mean() > 0.02


def test_generators_are_seeded_bit_for_bit():
    for source in ("dcgan", "conditional_dcgan", "vae"):
        a, labels = synthetic.generate_digits(source, 20, seed=3)
        b, _ = synthetic.generate_digits(source, 20, seed=3)
        assert a.shape == (20, 28, 28) and np.array_equal(a, b), source
        assert (labels is None) == (not synthetic.SOURCES[source]["conditional"])


def test_pseudo_labels_keep_the_most_confident_per_class():
    x, y = synthetic.generate_digits("real", 200, seed=1)
    index, labels = synthetic.pseudo_label(x, per_class=5)
    assert len(index) == 50 and np.bincount(labels, minlength=10).tolist() == [5] * 10
    assert np.mean(labels == y[index]) > 0.95        # the shipped classifier's surest readings are right


def test_noise_robustness_falls_with_strength():
    x, y = data.load_mnist_sample("test")
    curve = synthetic.noise_robustness(None, data.to_float(x[:300]), y[:300], [0.0, 0.5], kinds=["gaussian"])
    assert curve[0, 0] > 0.9 and curve[0, 1] < curve[0, 0] - 0.05


def test_tiny_grids_have_their_shapes(monkeypatch):
    # every arm trains on N_TRAIN digits: 400 instead of 4,000 keeps the grid's code path at a tenth of the cost
    monkeypatch.setattr(synthetic, "N_TRAIN", 400)
    few = synthetic.few_label_grid((20, 30), seeds=(0,), epochs=1, pool_size=400, progress=False)
    assert few["accuracy"].shape == (2, 4, 1) and few["pseudo_agreement"].shape == (2, 2, 1)
    assert np.all((few["accuracy"] >= 0) & (few["accuracy"] <= 1))
    tstr = synthetic.tstr_grid(("real", "vae"), seeds=(0,), n=200, epochs=1, progress=False)
    assert tstr["accuracy"].shape == (2, 1) and tstr["samples"].shape == (2, 100, 28, 28)
    assert np.isnan(tstr["min_class_share"][0]) and 0 < tstr["min_class_share"][1] <= 1


def test_shipped_grid_loads_with_its_provenance():
    grid = synthetic.load_grid()
    prov = grid["provenance"]
    assert grid["tstr_accuracy"].shape == (len(prov["tstr"]["sources"]), len(prov["seeds"]))
    assert grid["few_accuracy"].shape == (len(prov["few_label"]["n_labels"]), len(synthetic.ARMS), len(prov["seeds"]))
    assert len(prov["seeds"]) >= 5 and prov["few_label"]["generator"] == "dcgan"
    x, y = data.load_mnist_sample("test")
    assert synthetic.accuracy(grid["robust_weights"], data.to_float(x), y) > 0.9
    assert sorted(grid["robust_weights"]) == sorted(digit_metrics.weight_names())


def test_mean_sd():
    assert synthetic.mean_sd([0.5, 0.7]) == "60.0 ± 14.1"
    assert synthetic.mean_sd(np.array([[0.5, 0.7], [0.1, 0.1]])).tolist() == ["60.0 ± 14.1", "10.0 ± 0.0"]
