"""helpers.training: exact resume after an interruption, callbacks, .keras files, bad input."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from helpers import training  # noqa: E402

X = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
Y = X @ np.arange(1, 5, dtype="float32")[:, None]


def batches(epoch, rng):
    order = rng.permutation(len(X))
    return [(X[order[i:i + 16]], Y[order[i:i + 16]]) for i in range(0, len(X), 16)]


def make_model():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dropout(0.3, seed=3),     # randomness from a tracked SeedGenerator
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    return model


def values(model):
    return [keras.ops.convert_to_numpy(v) for v in model.variables]


def test_interrupted_then_resumed_run_equals_uninterrupted_run(tmp_path):
    straight = make_model()
    h_straight = training.fit_resumable(straight, batches, epochs=3, progress=False)

    first = make_model()        # stops mid-epoch 2 at step 6; checkpoint every 4 steps
    training.fit_resumable(first, batches, epochs=3, checkpoint_dir=tmp_path,
                           checkpoint_every=4, max_steps=6, progress=False)
    resumed = make_model()      # a fresh process would start like this
    h_resumed = training.fit_resumable(resumed, batches, epochs=3, checkpoint_dir=tmp_path,
                                       checkpoint_every=4, progress=False)

    assert h_resumed["step"] == list(range(1, 13))
    assert h_resumed["loss"] == h_straight["loss"]
    for a, b in zip(values(straight), values(resumed)):
        np.testing.assert_array_equal(a, b)
    assert int(resumed.optimizer.iterations) == 12
    # Weights actually trained, losses finite and decreasing.
    assert np.isfinite(h_straight["loss"]).all()
    assert np.mean(h_straight["loss"][-4:]) < np.mean(h_straight["loss"][:4])


def test_a_finished_run_does_not_train_again(tmp_path):
    model = make_model()
    training.fit_resumable(model, batches, epochs=1, checkpoint_dir=tmp_path, progress=False)
    before = values(model)
    again = make_model()
    history = training.fit_resumable(again, batches, epochs=1, checkpoint_dir=tmp_path,
                                     progress=False)
    assert history["step"] == [1, 2, 3, 4]
    for a, b in zip(before, values(again)):
        np.testing.assert_array_equal(a, b)


def test_resume_without_checkpoint_would_differ():
    """The test above can fail: a restart from scratch with other data order differs."""
    a, b = make_model(), make_model()
    training.fit_resumable(a, batches, epochs=1, progress=False, seed=0)
    training.fit_resumable(b, batches, epochs=1, progress=False, seed=1)
    assert not all(np.array_equal(x, y) for x, y in zip(values(a), values(b)))


def test_a_checkpoint_beyond_the_asked_epochs_is_refused(tmp_path):
    """Resuming a 2-epoch checkpoint with epochs=1 would return the 2-epoch model as a 1-epoch one."""
    training.fit_resumable(make_model(), batches, epochs=2, checkpoint_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="trained 2 epochs, more than epochs=1"):
        training.fit_resumable(make_model(), batches, epochs=1, checkpoint_dir=tmp_path, progress=False)


def test_checkpoint_of_another_architecture_is_refused(tmp_path):
    training.fit_resumable(make_model(), batches, epochs=1, checkpoint_dir=tmp_path, progress=False)
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="does not match this model"):
        training.fit_resumable(other, batches, epochs=2, checkpoint_dir=tmp_path, progress=False)


class _CountTraces(keras.layers.Layer):
    """An identity layer that counts its calls in training mode: once per trace of a training step."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.traces = 0

    def call(self, x, training=None):
        self.traces += int(bool(training))   # Python: runs when the step is traced, not at every step
        return x


class _OwnStep(keras.Sequential):
    def train_step(self, data):             # a train_step of its own (as the course's models have)
        return super().train_step(data)


@pytest.mark.parametrize("step", ["keras's train_step", "a train_step of its own", "resumed"])
def test_the_training_step_is_traced_once(tmp_path, step):
    """fit_resumable creates the optimizer's and the compiled metrics' variables before the first
    step. Created inside it, they make TensorFlow trace the step a second time (0.1 s per small model)."""
    def make():
        counter = _CountTraces()
        layers = [keras.Input((4,)), counter, keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
        if step == "a train_step of its own":   # as the course's models: no compiled metrics
            model = _OwnStep(layers, name="own_step")
            model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
        else:
            model = keras.Sequential(layers)
            model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse", metrics=["mae"])
        return model, counter

    checkpoints = tmp_path if step == "resumed" else None
    if step == "resumed":
        training.fit_resumable(make()[0], batches, epochs=1, checkpoint_dir=checkpoints, progress=False)
    model, counter = make()
    history = training.fit_resumable(model, batches, epochs=3, checkpoint_dir=checkpoints, progress=False)
    assert history["step"] == list(range(1, 13)) and ("mae" in history) == (step != "a train_step of its own")
    assert counter.traces == 1


def test_live_samples_update_one_figure_in_place(monkeypatch):
    shown = []

    class Handle:
        def update(self, fig):
            shown.append(("update", fig))

    def fake_display(fig, display_id=False):
        shown.append(("display", fig))
        return Handle()

    import IPython.display
    monkeypatch.setattr(IPython.display, "display", fake_display)
    live = training.LiveSamples(lambda m: np.random.default_rng(0).random((6, 28, 28)), every=2,
                                  ncols=3)
    evals = training.PeriodicEval(lambda m: float(m.layers[0].kernel.numpy().sum()), every=3)
    history = training.LossHistory()
    training.fit_resumable(make_model(), batches, epochs=2, callbacks=[live, evals, history],
                           progress=False)
    kinds = [k for k, _ in shown]
    assert kinds == ["display"] + ["update"] * 3          # steps 2, 4, 6, 8
    assert len({id(fig) for _, fig in shown}) == 1
    assert live.image.get_array().shape == (2 * 29 + 1, 3 * 29 + 1)
    import matplotlib
    assert live.fig.dpi == matplotlib.rcParams["figure.dpi"]  # the course style's, not a resolution of its own
    assert evals.steps == [3, 6, 8] and len(evals.values) == 3
    assert history.history["step"] == list(range(1, 9)) and len(history.history["loss"]) == 8


def test_progress_bar_counts_steps():
    bar = training.ProgressBar(steps_per_epoch=4)
    training.fit_resumable(make_model(), batches, epochs=2, callbacks=[bar])
    assert bar.bar.n == 8 and bar.bar.total == 8
    learnt = training.ProgressBar()          # total learnt from the first epoch
    training.fit_resumable(make_model(), batches, epochs=3, callbacks=[learnt])
    assert learnt.bar.n == 12 and learnt.bar.total == 12


def test_progress_bar_widget_leaves_its_last_state_as_text(monkeypatch):
    """In a notebook the bar's text fallback (a saved notebook's text/plain) must end at its last
    state: the display handle is updated at the end of training, for a finished and a stopped run."""
    import IPython.display
    import tqdm.auto
    from tqdm.notebook import tqdm_notebook

    shown = []

    class Handle:
        def update(self, obj):
            shown.append(("update", repr(obj)))

    def fake_display(obj, display_id=False):
        shown.append(("display", repr(obj)))
        assert display_id is True
        return Handle()

    monkeypatch.setattr(tqdm.auto, "tqdm", tqdm_notebook)
    monkeypatch.setattr(IPython.display, "display", fake_display)
    training.fit_resumable(make_model(), batches, epochs=2, callbacks=[training.ProgressBar(steps_per_epoch=4)])
    assert [kind for kind, _ in shown] == ["display", "update"]
    assert "0/8" in shown[0][1] and "epoch 2/2" in shown[1][1] and "100%" in shown[1][1] and "8/8" in shown[1][1]
    shown.clear()
    training.fit_resumable(make_model(), batches, epochs=2, max_steps=3,
                           callbacks=[training.ProgressBar(steps_per_epoch=4)])
    assert [kind for kind, _ in shown] == ["display", "update"] and "3/8" in shown[1][1]


def test_plot_history_draws_each_key():
    import matplotlib
    matplotlib.use("Agg")
    history = {"step": [1, 2, 3, 4], "epoch": [0] * 4, "d_loss": [1, 2, 3, 4], "g_loss": [4, 3, 2, 1]}
    from helpers.plotting import plot_history

    ax = plot_history(history, smooth=2)
    assert [line.get_label() for line in ax.lines] == ["d_loss", "g_loss"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.5, 2.5, 3.5])
    with pytest.raises(ValueError, match="no 'loss'"):
        plot_history(history, keys=["loss"])


def test_keras_file_round_trip_and_safe_mode(tmp_path):
    model = make_model()
    training.fit_resumable(model, batches, epochs=1, progress=False)
    path = training.save_model(model, tmp_path / "m.keras")
    loaded = training.load_model(path)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    lam = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t: t * 2)])
    training.save_model(lam, tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode"):
        training.load_model(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match=".keras"):
        training.save_model(model, tmp_path / "m.h5")
    with pytest.raises(FileNotFoundError):
        training.load_model(tmp_path / "missing.keras")


@pytest.mark.parametrize("kwargs, match", [
    ({"epochs": 0}, "epochs"),
    ({"epochs": 1, "checkpoint_every": 0}, "checkpoint_every"),
    ({"epochs": 1, "max_steps": -1}, "max_steps"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        training.fit_resumable(make_model(), batches, progress=False, **kwargs)


def test_uncompiled_model_and_empty_data_are_refused():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="compile"):
        training.fit_resumable(model, batches, epochs=1, progress=False)
    with pytest.raises(ValueError, match="no batches"):
        training.fit_resumable(make_model(), lambda e, r: [], epochs=1, progress=False)


# --------------------------------------------------------------------------- seeded runs repeat exactly


def _course_model(family):
    """A small compiled model of each family the course trains with fit_resumable, and its batches."""
    from helpers import data
    from helpers.models import GAN_RECIPE
    from helpers.models import diffusion, gan, vae

    digits = data.to_float(data.load_mnist_sample("train")[0][:96])
    if family == "vae":
        model = vae.VAE(latent_dim=2, seed=0)
        model.compile(optimizer=keras.optimizers.Adam(3e-3))
        return model, training.image_batches((digits > 0.5).astype("float32"), 32)
    if family == "dcgan":      # with dropout: the discriminator's SeedGenerators are used too
        return gan.make_dcgan(g_filters=8, d_filters=8, dropout=0.3, seed=0, **GAN_RECIPE), \
            training.image_batches(digits, 32)
    # Diffusion: its train_step draws times, noise and label dropout (a small MLP traces in a second;
    # the U-Net takes 13 s).
    model = diffusion.Diffusion(diffusion.build_mlp(2, hidden=16, depth=2, n_classes=3, seed=0),
                                n_classes=3, value_range=None, seed=0)
    model.compile()
    points = np.random.default_rng(0).normal(size=(96, 2)).astype("float32")
    classes = np.arange(96, dtype="int32") % 3

    def point_batches(epoch, rng):
        order = rng.permutation(96)
        return [(points[order[i:i + 32]], classes[order[i:i + 32]]) for i in range(0, 96, 32)]

    return model, point_batches


@pytest.mark.parametrize("family", ["vae", "dcgan", "diffusion"])
def test_seeded_training_repeats_bit_for_bit_whatever_the_global_seeds(family):
    """Two runs with the same seeds end with identical weights and losses, to the last bit.

    The global generators (Python, NumPy, TensorFlow, Keras) are set to other seeds before each
    run: a draw from any of them instead of the model's SeedGenerator or the loop's NumPy
    generator makes the runs differ. (Runs with another number of TensorFlow threads, or on
    another processor, do differ in the last bits: see the module docstring of helpers.training.)
    """
    runs = []
    for global_seed in (1, 2):
        keras.utils.set_random_seed(global_seed)
        model, batches = _course_model(family)
        history = training.fit_resumable(model, batches, epochs=2, max_steps=5, progress=False)  # 3 + 2 steps
        runs.append((values(model), history))
    (weights_a, history_a), (weights_b, history_b) = runs
    assert history_a["step"] == [1, 2, 3, 4, 5]
    assert history_a == history_b
    assert len(weights_a) == len(weights_b)
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_array_equal(a, b)
