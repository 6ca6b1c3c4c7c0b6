"""Train the course's generators that ship in ``data/`` (so notebook 04 can explore instantly).

Writes ``data/gan_generator.keras`` (the course DCGAN) and
``data/gan_conditional_generator.keras`` (its class-conditional variant), trained with
``helpers.training.fit_resumable`` on the 4,000 embedded training digits, and prints their
FID against the 1,000 test digits and the lines for ``data/SHA256SUMS``. A checkpoint in
``artifacts/train_gan/`` lets an interrupted run resume.

Usage::

    python scripts/train_gan.py                   # both, 60 epochs each (about 10 min on 2 cores)
    python scripts/train_gan.py --epochs 5 --out /tmp/gan   # a quick trial elsewhere
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers import data, metrics, training  # noqa: E402
from helpers.models import gan as G  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--out", type=Path, default=ROOT / "data")
    parser.add_argument("--only", choices=sorted(G.SHIPPED), default=None)
    args = parser.parse_args()

    x, y = data.load_mnist_sample("train")
    x = data.to_float(x)
    test = metrics.classifier_features(data.to_float(data.load_mnist_sample("test")[0]))
    for kind, make in (("dcgan", G.make_dcgan), ("conditional", G.make_conditional_dcgan)):
        if args.only and kind != args.only:
            continue
        gan = make(seed=0)
        labels = y if kind == "conditional" else None
        start = time.perf_counter()
        training.fit_resumable(gan, G.image_batches(x, args.batch, labels=labels), args.epochs,
                               checkpoint_dir=ROOT / "artifacts" / "train_gan" / kind,
                               checkpoint_every=500, seed=0)
        seconds = time.perf_counter() - start
        samples = gan.generate(n=1000, seed=1)
        print(f"{kind}: {args.epochs} epochs in {seconds:.0f} s; FID {metrics.fid(test, samples):.1f}; "
              f"classes {metrics.class_histogram(samples).round(3).tolist()}")
        path = training.save_model(gan.generator, args.out / G.SHIPPED[kind])
        print(f"{data.sha256_of(path)}  {path.name}")


if __name__ == "__main__":
    main()
