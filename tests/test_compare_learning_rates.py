"""helpers.training.compare_learning_rates: same start and batches for every rate, divergence kept, bad input."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from helpers import training  # noqa: E402

X = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
Y = X @ np.arange(1, 5, dtype="float32")[:, None]


def batches(epoch, rng):
    order = rng.permutation(len(X))
    return [(X[order[i:i + 16]], Y[order[i:i + 16]]) for i in range(0, len(X), 16)]


def make_model(learning_rate):
    init = keras.initializers.GlorotUniform(seed=5)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, kernel_initializer=init)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return model


def test_every_run_starts_from_the_same_weights_and_batches():
    losses = training.compare_learning_rates(make_model, batches, [0.001, 0.05], epochs=2)
    assert sorted(losses) == [0.001, 0.05] and all(len(v) == 8 for v in losses.values())
    # the first logged loss is computed before the first update: equal for every rate
    assert losses[0.001][0] == pytest.approx(losses[0.05][0], rel=1e-6)
    again = training.compare_learning_rates(make_model, batches, [0.05], epochs=2)
    np.testing.assert_array_equal(again[0.05], losses[0.05])


def test_a_good_rate_learns_a_tiny_one_barely_moves_and_a_huge_one_diverges():
    losses = training.compare_learning_rates(make_model, batches, [1e-4, 0.1, 3.0], epochs=3)
    assert losses[0.1][-1] < 0.05 * losses[0.1][0]
    assert losses[1e-4][-1] > 0.9 * losses[1e-4][0]
    huge = losses[3.0]
    assert not np.isfinite(huge[-1]) or huge[-1] > 100 * huge[0]


def test_max_steps_shortens_every_run():
    losses = training.compare_learning_rates(make_model, batches, [0.01, 0.02], epochs=5, max_steps=3)
    assert [len(v) for v in losses.values()] == [3, 3]


@pytest.mark.parametrize("rates, match", [([], "empty"), ([0.1, -1.0], "positive"), ([0.1, 0.1], "distinct"),
                                          ([float("nan")], "positive")])
def test_bad_learning_rates_are_refused(rates, match):
    with pytest.raises(ValueError, match=match):
        training.compare_learning_rates(make_model, batches, rates)


def test_bad_factory_and_unknown_metric_are_refused():
    with pytest.raises(TypeError, match="callable"):
        training.compare_learning_rates(None, batches, [0.1])
    with pytest.raises(TypeError, match="keras.Model"):
        training.compare_learning_rates(lambda lr: "model", batches, [0.1])
    with pytest.raises(ValueError, match="accuracy"):
        training.compare_learning_rates(make_model, batches, [0.1], key="accuracy")
