"""The exercise checks of notebook 03 accept right answers and refuse wrong ones (no network is trained here)."""

import numpy as np
import pytest

from helpers import exercises
from helpers.data import load_mnist_sample

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")   # the naive answer overflows: on purpose


def stable(logits, labels):
    logits = np.asarray(logits, dtype=float)
    top = logits.max(axis=1, keepdims=True)
    log_sum = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    return float(np.mean(log_sum - logits[np.arange(len(labels)), labels]))


def naive(logits, labels):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(labels)), labels])))


class FakeModel:
    """Stands in for a trained Keras model: a parameter count and fixed predictions."""

    def __init__(self, params, correct_fraction):
        self.params = params
        _, y = load_mnist_sample("test")
        wrong = np.arange(len(y)) >= correct_fraction * len(y)
        self.labels = np.where(wrong, (y + 1) % 10, y)

    def count_params(self):
        return self.params

    def predict(self, images, verbose=0):
        assert images.shape == (1000, 28, 28, 1) and images.dtype == np.float32 and images.max() <= 1.0
        return np.eye(10)[self.labels]


RIGHT_COUNTS = [320, 18496, 36928, 65600, 650]


def answers(**given):
    return dict(dict(my_cross_entropy=None, my_param_counts=None, my_small_model=None), **given)


def test_right_answers_pass(capsys):
    right = answers(my_cross_entropy=stable, my_param_counts=RIGHT_COUNTS, my_small_model=FakeModel(6138, 0.95))
    assert exercises.evaluate("03", **right) == {1: True, 2: True, 3: True}
    exercises.check("03", **right)
    assert "121,994 parameters in all" in capsys.readouterr().out


def test_unanswered_exercises_say_so(capsys):
    assert exercises.evaluate("03", **answers()) == {1: None, 2: None, 3: None}
    exercises.check("03", **answers())
    assert capsys.readouterr().out.count("not answered yet") == 3


def test_wrong_answers_fail_with_a_hint(capsys):
    wrong = answers(my_cross_entropy=naive, my_param_counts=[288, 18432, 36864, 65536, 640],   # no biases
                    my_small_model=FakeModel(7851, 0.99))
    assert exercises.evaluate("03", **wrong) == {1: False, 2: False, 3: False}
    exercises.check("03", **wrong)
    out = capsys.readouterr().out
    assert "subtract each row's maximum" in out and "one bias per output" in out and "7,851 parameters" in out
    # small enough, not accurate enough
    assert exercises.evaluate("03", **answers(my_small_model=FakeModel(5000, 0.93)))[3] is False
