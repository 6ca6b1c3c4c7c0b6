"""Compute the experiment grid of notebook 07 and cache it in ``data/applications_grid.npz``.

Three experiments (:mod:`helpers.synthetic`), every classifier the course's one trained with the
settings of ``scripts/data/train_classifier.py`` (Adam 1e-3, batch 64) but for ``--epochs`` epochs
(10 by default instead of 30, to keep the grid within about 15 minutes on 2 CPU cores):

1. Train on synthetic, test on real (:func:`helpers.synthetic.tstr_grid`): 4,000 digits from each
   source of :data:`helpers.synthetic.SOURCES`, a classifier per seed, accuracy on the 1,000 real test digits.
2. Few labels (:func:`helpers.synthetic.few_label_grid`): 100 and 1,000 labels, the four arms, 5 seeds.
3. Robustness: a classifier trained on the 4,000 training digits plus one noisy copy of each (a noise
   kind of notebook 01 drawn per image, strength uniform in [0, 0.5]), 15 epochs (the shipped
   classifier's number of steps: 30 epochs of 4,000); its weights are stored (``robust_*``) so the
   notebook measures its accuracy against noise strength itself.

The file also holds ``provenance`` (a JSON string: settings, date, wall times, versions).

Usage::

    python scripts/data/run_applications.py            # writes data/applications_grid.npz (~15 min)
    python scripts/data/run_applications.py --quick    # tiny sizes, to a temporary folder (a smoke test)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from helpers import config, data, noise, synthetic  # noqa: E402

GRID_FILE = "applications_grid.npz"
ROBUST_LEVEL = 0.5


def robust_training_set(seed=0):
    """The 4,000 training digits and one noisy copy of each (kind and strength drawn per image)."""
    x, y = data.load_mnist_sample("train")
    x = data.to_float(x)
    rng = np.random.default_rng(seed)
    noisy = np.empty_like(x)
    for i, img in enumerate(x):
        kind = noise.NOISE_KINDS[rng.integers(len(noise.NOISE_KINDS))]
        noisy[i] = noise.add_noise(img, kind, rng.uniform(0, ROBUST_LEVEL), rng=rng)
    return np.concatenate([x, noisy]), np.concatenate([y, y])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, written to a temporary folder")
    parser.add_argument("--data-dir", type=Path, default=None, help="where to write (default data/)")
    args = parser.parse_args(argv)
    quick = args.quick
    epochs = 1 if quick else args.epochs
    seeds = tuple(range(1 if quick else args.seeds))
    out_dir = args.data_dir or (Path(tempfile.mkdtemp()) if quick else config.data_dir())
    sources = ("real", "conditional_dcgan", "dcgan") if quick else tuple(synthetic.SOURCES)
    n = 200 if quick else synthetic.N_TRAIN
    times = {}

    start = time.perf_counter()
    tstr = synthetic.tstr_grid(sources, seeds=seeds, n=n, epochs=epochs)
    times["tstr_seconds"] = time.perf_counter() - start

    start = time.perf_counter()
    few = synthetic.few_label_grid((20,) if quick else (100, 1000), seeds=seeds, epochs=epochs,
                                   pool_size=synthetic.N_TRAIN if quick else 10000)
    times["few_label_seconds"] = time.perf_counter() - start

    start = time.perf_counter()
    from helpers.models.classifier import export_weights, train_classifier

    rx, ry = robust_training_set(seed=0)
    if quick:
        rx, ry = rx[::20], ry[::20]
    model, _ = train_classifier(rx, ry, epochs=1 if quick else 15, seed=0, progress=False)
    robust = export_weights(model)
    times["robust_seconds"] = time.perf_counter() - start

    import keras

    provenance = {
        "script": "scripts/data/run_applications.py", "argv": list(sys.argv[1:] if argv is None else argv),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "epochs": epochs, "seeds": list(seeds), "n_train": n, "quick": quick,
        "tstr": {"sources": list(tstr["sources"]), "sample_seed": 1, "max_shift": 2,
                 "titles": [synthetic.SOURCES[s]["title"] for s in tstr["sources"]]},
        "few_label": {"n_labels": few["n_labels"], "arms": few["arms"], "generator": few["generator"],
                      "max_shift": 0, "pool_size": synthetic.N_TRAIN if quick else 10000},
        "robust": {"epochs": 1 if quick else 15, "max_level": ROBUST_LEVEL, "seed": 0,
                   "training_set": "4,000 training digits + one noisy copy each"},
        "seconds_wall": {k: round(v, 1) for k, v in times.items()},
        "python": platform.python_version(), "numpy": np.__version__, "keras": keras.__version__,
    }
    arrays = {"tstr_accuracy": tstr["accuracy"], "tstr_fid": tstr["fid"],
              "tstr_min_class_share": tstr["min_class_share"],
              "tstr_samples": np.round(tstr["samples"] * 255).astype(np.uint8),
              "few_accuracy": few["accuracy"], "few_pseudo_agreement": few["pseudo_agreement"],
              **{f"robust_{k}": v for k, v in robust.items()},
              "provenance": np.array(json.dumps(provenance))}
    path = data.write_atomically(out_dir / GRID_FILE, data.npz_bytes(arrays))
    print(json.dumps(provenance["seconds_wall"]))
    for s, row, f in zip(tstr["sources"], tstr["accuracy"], tstr["fid"]):
        print(f"TSTR {s:26s} {synthetic.mean_sd(row):>12s}  FID {f:.1f}")
    for i, k in enumerate(few["n_labels"]):
        print(f"{k} labels: " + "; ".join(f"{arm} {synthetic.mean_sd(few['accuracy'][i, a])}"
                                          for a, arm in enumerate(few["arms"])))
    if not quick or args.data_dir is not None:
        data.update_checksums([path.name], out_dir)
    print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
