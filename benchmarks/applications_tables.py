"""The tables of notebook 07: train on synthetic / test on real, and few labels, from the cached grid.

Reads ``data/applications_grid.npz`` (written by ``scripts/data/run_applications.py``, i.e.
:func:`helpers.synthetic.run_grid`; checksum verified) and prints, for every training source, the
accuracy of the course classifier on the 1,000 real test digits (mean ± standard deviation over the
classifier seeds) beside the FID of that training set; then the few-label table (100 and 1,000 labels
x four arms), each arm's paired difference to "labels only", and the grid's provenance.

Run:  python benchmarks/applications_tables.py [--grid path/to/applications_grid.npz]
No training, no TensorFlow: it prints in about a second.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers import synthetic


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=Path, default=None, help="default: data/applications_grid.npz")
    args = parser.parse_args(argv)
    grid = synthetic.load_grid(args.grid)
    prov = grid["provenance"]
    tstr, fids = grid["tstr_accuracy"], grid["tstr_fid"]
    print(f"Train on synthetic, test on real: {prov['n_train']} training digits per source, {prov['epochs']} epochs, "
          f"{tstr.shape[1]} classifier seeds; accuracy on the 1,000 real test digits (%)")
    print(f"  {'training set':44s} {'accuracy':>12s} {'FID':>7s}")
    for title, row, f in zip(prov["tstr"]["titles"], tstr, fids):
        print(f"  {title:44s} {synthetic.mean_sd(row):>12s} {f:7.1f}")
    few, arms = grid["few_accuracy"], prov["few_label"]["arms"]
    print(f"\nFew labels ({prov['few_label']['generator']} + pseudo-labels for the generated arms), "
          f"{few.shape[2]} seeds; accuracy (%)")
    print(f"  {'labels':>7s} " + " ".join(f"{arm:>16s}" for arm in arms))
    for i, n in enumerate(prov["few_label"]["n_labels"]):
        print(f"  {n:7d} " + " ".join(f"{synthetic.mean_sd(few[i, a]):>16s}" for a in range(len(arms))))
    print("  paired difference to 'labels only' (points, mean ± sd over seeds):")
    for i, n in enumerate(prov["few_label"]["n_labels"]):
        diffs = [synthetic.mean_sd(few[i, a] - few[i, 0]) for a in range(1, len(arms))]
        print(f"  {n:7d} {'':>16s} " + " ".join(f"{d:>16s}" for d in diffs))
    agreement = grid["few_pseudo_agreement"].mean(axis=2)
    print("  pseudo-labels agreeing with the shipped classifier: "
          + "; ".join(f"{n} labels {agreement[i, 0]:.0%} / {agreement[i, 1]:.0%}"
                      for i, n in enumerate(prov["few_label"]["n_labels"])) + " (+ generated / + both)")
    print(f"\nProvenance: {prov['date']}, wall seconds {prov['seconds_wall']}, keras {prov['keras']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
