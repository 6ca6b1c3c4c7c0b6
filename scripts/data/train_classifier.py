"""Train the small MNIST classifier whose features the course's FID/KID use.

Writes ``data/mnist_classifier.npz`` (float32 weights, a few hundred KB) from the
4,000 embedded training digits, prints the accuracy on the 1,000 held-out test
digits, and prints the line to put in ``data/SHA256SUMS``.

The network (see :data:`helpers.metrics.CLASSIFIER_LAYERS`)::

    28x28x1 -> conv 3x3, 32, stride 2, ReLU -> 14x14x32
            -> conv 3x3, 64, stride 2, ReLU -> 7x7x64
            -> conv 3x3, 64, stride 2, ReLU -> 4x4x64 -> flatten 1024
            -> dense 64, ReLU   (the features of FID/KID)
            -> dense 10         (class logits, for class_histogram)

Training: Adam 1e-3, batch 64, 30 epochs, random shifts of up to 2 pixels, seed 0.
The inference in ``helpers.metrics`` is pure NumPy, so measuring needs no TensorFlow.

Usage::

    python scripts/train_classifier.py            # writes data/mnist_classifier.npz
    python scripts/train_classifier.py --check    # only report accuracy of the shipped file
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers import data, metrics  # noqa: E402

OUT = ROOT / "data" / metrics.CLASSIFIER_FILE


def build_keras_model():
    import keras

    inputs = keras.Input((28, 28, 1))
    x = inputs
    for spec in metrics.CLASSIFIER_LAYERS:
        if spec[0] == "conv":
            _, filters, stride = spec
            x = keras.layers.Conv2D(filters, 3, strides=stride, padding="same", activation="relu")(x)
        elif spec[0] == "flatten":
            x = keras.layers.Flatten()(x)
        elif spec[0] == "dense":
            _, units, act = spec
            x = keras.layers.Dense(units, activation=act)(x)
    return keras.Model(inputs, x)


def shift(batch, rng, max_shift=2):
    out = np.zeros_like(batch)
    for i, img in enumerate(batch):
        dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
        out[i] = np.roll(np.roll(img, dy, axis=0), dx, axis=1)
    return out


def write_npz(path, arrays):
    """npz with fixed zip metadata, so the same weights give the same bytes."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())
    tmp.replace(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()

    x_test, y_test = data.load_mnist_sample("test")
    x_test = data.to_float(x_test)
    if args.check:
        pred = metrics.classify(x_test)
        print(f"held-out accuracy of {OUT.name}: {np.mean(pred == y_test):.4f}")
        return

    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x_train, y_train = data.load_mnist_sample("train")
    x_train = data.to_float(x_train)[..., None]
    model = build_keras_model()
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    for epoch in range(args.epochs):
        order = rng.permutation(len(x_train))
        xs = shift(x_train[order], rng)
        model.fit(xs, y_train[order], batch_size=64, epochs=1, verbose=0, shuffle=False)
        acc = model.evaluate(x_test[..., None], y_test, verbose=0)[1]
        print(f"epoch {epoch + 1:2d}: held-out accuracy {acc:.4f}", flush=True)

    arrays = {}
    for i, layer in enumerate(l for l in model.layers if l.weights):
        kernel, bias = (w.numpy().astype(np.float32) for w in layer.weights)
        arrays[f"layer{i}_kernel"] = kernel
        arrays[f"layer{i}_bias"] = bias
    write_npz(OUT, arrays)
    keras_logits = model.predict(x_test[..., None], verbose=0)
    numpy_logits = metrics._classifier_forward(x_test, metrics._load_arrays(OUT), upto="logits")
    print("max |numpy - keras| logits:", float(np.abs(keras_logits - numpy_logits).max()))
    acc = float(np.mean(np.argmax(numpy_logits, 1) == y_test))
    print(f"held-out accuracy (1,000 test digits): {acc:.4f}")
    print(f"{data.sha256_of(OUT)}  {OUT.name}")


if __name__ == "__main__":
    main()
