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
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from helpers import config, data, synthetic  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, written to a temporary folder")
    parser.add_argument("--data-dir", type=Path, default=None, help="where to write (default data/)")
    args = parser.parse_args(argv)
    out_dir = args.data_dir or (Path(tempfile.mkdtemp()) if args.quick else config.data_dir())
    arrays = synthetic.run_grid(epochs=1 if args.quick else args.epochs, seeds=1 if args.quick else args.seeds,
                                quick=args.quick)
    path = data.write_atomically(out_dir / synthetic.GRID_FILE, data.npz_bytes(arrays))
    grid = synthetic.load_grid(path)
    provenance = grid["provenance"]
    print(json.dumps(provenance["seconds_wall"]))
    for s, row, f in zip(provenance["tstr"]["sources"], grid["tstr_accuracy"], grid["tstr_fid"]):
        print(f"TSTR {s:26s} {synthetic.mean_sd(row):>12s}  FID {f:.1f}")
    for i, k in enumerate(provenance["few_label"]["n_labels"]):
        print(f"{k} labels: " + "; ".join(f"{arm} {synthetic.mean_sd(grid['few_accuracy'][i, a])}"
                                          for a, arm in enumerate(provenance["few_label"]["arms"])))
    if not args.quick or args.data_dir is not None:
        data.update_checksums([path.name], out_dir)
    print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
