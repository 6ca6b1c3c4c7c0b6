"""Train the small MNIST classifier whose features the course's FID/KID use.

Writes ``data/mnist_classifier.npz`` (float32 weights, a few hundred KB) from the 4,000
embedded training digits with :func:`helpers.models.classifier.train_classifier`, prints the
held-out accuracy after every epoch, checks that the NumPy forward pass of
:mod:`helpers.digit_metrics` gives the Keras model's logits, and updates ``data/SHA256SUMS``.

The network (:data:`helpers.digit_metrics.CLASSIFIER_LAYERS`)::

    28x28x1 -> conv 3x3, 32, stride 2, ReLU -> 14x14x32
            -> conv 3x3, 64, stride 2, ReLU -> 7x7x64
            -> conv 3x3, 64, stride 2, ReLU -> 4x4x64 -> flatten 1024
            -> dense 64, ReLU   (the features of FID/KID)
            -> dense 10         (class logits, for class_histogram)

Training: Adam 1e-3, batch 64, 30 epochs, random shifts of up to 2 pixels, seed 0.

Usage::

    python scripts/data/train_classifier.py            # writes data/mnist_classifier.npz
    python scripts/data/train_classifier.py --check    # only report accuracy of the shipped file
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from helpers import config, data, digit_metrics  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report the shipped file's held-out accuracy")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=config.data_dir(), help="where to write (default data/)")
    args = parser.parse_args(argv)

    x_test, y_test = data.load_mnist_sample("test")
    x_test = data.to_float(x_test)
    if args.check:
        pred = digit_metrics.classify(x_test)
        print(f"held-out accuracy of {digit_metrics.CLASSIFIER_FILE}: {np.mean(pred == y_test):.4f}")
        return 0

    from helpers.models.classifier import export_weights, train_classifier

    x_train, y_train = data.load_mnist_sample("train")
    model, _ = train_classifier(data.to_float(x_train), y_train, epochs=args.epochs, validation=(x_test, y_test))
    path = data.write_atomically(args.data_dir / digit_metrics.CLASSIFIER_FILE, data.npz_bytes(export_weights(model)))
    keras_logits = model.predict(x_test[..., None], verbose=0)
    numpy_logits = digit_metrics.forward(x_test, weights=digit_metrics.load_weights(path), upto="logits")
    print("max |numpy - keras| logits:", float(np.abs(keras_logits - numpy_logits).max()))
    print(f"held-out accuracy (1,000 test digits): {np.mean(np.argmax(numpy_logits, 1) == y_test):.4f}")
    data.update_checksums([path.name], args.data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
