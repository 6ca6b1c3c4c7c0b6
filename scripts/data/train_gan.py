"""Train the course's generators that ship in ``data/`` (so notebook 04 can explore instantly).

Writes ``data/gan_generator.keras`` (the course DCGAN, ``load_shipped("dcgan")``) and
``data/gan_conditional_generator.keras`` (its class-conditional variant,
``load_shipped("conditional_dcgan")``), trained with :func:`helpers.training.fit_resumable`
on the 4,000 embedded training digits with the settings of :data:`helpers.models.SHIPPED`;
prints their FID against the 1,000 test digits and updates ``data/SHA256SUMS``.

An interrupted run resumes from its checkpoint, in a folder keyed by the settings
(:func:`helpers.config.checkpoint_dir`: ``artifacts/checkpoints/train_gan/<name>/<settings>``),
so a trial with other settings never reuses the state of another run.

Usage::

    python scripts/data/train_gan.py                   # both, 60 epochs each (about 10 min on 2 cores)
    python scripts/data/train_gan.py --epochs 5 --data-dir /tmp/gan   # a quick trial elsewhere
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from helpers import config, data, digit_metrics, training  # noqa: E402
from helpers.models import SHIPPED, shipped_names  # noqa: E402
from helpers.models import gan as G  # noqa: E402

NAMES = shipped_names("gan:load_generator")
SEED = 0


def checkpoint_folder(name, epochs, batch_size, train_size, seed=SEED, **options):
    """The checkpoint folder of one run: keyed by everything that decides the trained model."""
    return config.checkpoint_dir(f"train_gan/{name}", epochs=epochs, batch_size=batch_size,
                                 train_size=train_size, seed=seed, **options)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, help="override the registry's epochs (for trials)")
    parser.add_argument("--batch", type=int, help="override the registry's batch size (for trials)")
    parser.add_argument("--data-dir", type=Path, default=config.data_dir(), help="where to write (default data/)")
    parser.add_argument("--only", choices=NAMES, help="train only this generator")
    parser.add_argument("--train-size", type=int, default=4000, help="first N training digits (for trials)")
    args = parser.parse_args(argv)

    x, y = data.load_mnist_sample("train")
    x, y = data.to_float(x[:args.train_size]), y[:args.train_size]
    test = digit_metrics.features(data.to_float(data.load_mnist_sample("test")[0]))
    written = []
    for name in [args.only] if args.only else NAMES:
        settings = SHIPPED[name].settings
        epochs, batch = args.epochs or settings["epochs"], args.batch or settings["batch_size"]
        options = settings.get("options", {})
        gan = getattr(G, settings["factory"])(seed=SEED, **options)
        labels = y if settings["conditional"] else None
        start, cpu = time.perf_counter(), time.process_time()
        training.fit_resumable(gan, training.image_batches(x, batch, labels=labels), epochs,
                               checkpoint_dir=checkpoint_folder(name, epochs, batch, len(x), **options),
                               checkpoint_every=500, seed=SEED)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        samples = gan.generate(n=1000, seed=1)          # from the average if the recipe keeps one
        classes = digit_metrics.classify(samples)
        line = (f"{name}: {epochs} epochs in {seconds:.0f} s wall, {cpu:.0f} s CPU (this part); "
                f"FID {digit_metrics.fid(test, samples):.1f}; class shares "
                f"{(np.bincount(classes, minlength=10) / len(classes)).round(3).tolist()}")
        if settings["conditional"]:
            line += f"; read as the requested class: {np.mean(classes == np.arange(1000) % 10):.1%}"
        print(line)
        # the generator that samples are drawn from (the average when the recipe keeps one)
        written.append(training.save_model(gan.sampler, args.data_dir / SHIPPED[name].file).name)
    data.update_checksums(written, args.data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
