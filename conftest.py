"""Test order for `make test`: the longest notebooks start first, so no worker is left with one at the end.

`make test` spreads the tests over 2 processes with ``--dist loadscope`` (each notebook, and each
test module, runs whole on one process) and ``--no-loadscope-reorder`` (xdist hands the units out
in collection order). Left to itself xdist orders units by their number of tests, which says
little about their cost (notebook 02 has the most cells, 04 takes the longest), and a long
notebook handed out last leaves the other process idle. So the notebooks come first, longest
first (the largest-first rule for two machines), then the test modules that train models
(:data:`SLOW_MODULES`, longest first), and the many short test modules fill in after.

A notebook's cost is the sum of its cells' execution times stored in its metadata by the last
full-mode run (nbclient records them); a notebook without them counts one second per code cell.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path


#: Test modules that take several seconds (they train small models), with their seconds in quick
#: mode: `make test` under the CPU lock on the 2-core machine, 2026-12-02 (--durations=0, summed
#: per module). Handed out right after the notebooks, longest first; before, test_gan.py and
#: test_vae.py came last in file order and one process ran them alone for the last 20 s.
#: A module missing here only comes later in the order; nothing is skipped.
SLOW_MODULES = {
    "tests/test_gan.py": 38.0,
    "tests/test_vae.py": 18.0,
    "tests/test_synthetic.py": 21.0,   # notebook 07's grids in miniature (measured alone, under the lock)
    "tests/test_colab_simulated.py": 11.0,
    "tests/test_diffusion.py": 9.0,
    "tests/test_data_scripts.py": 8.0,
    "tests/test_training.py": 8.0,
    "tests/test_fid.py": 6.0,
}


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def stored_run_time(path: Path) -> float:
    """Seconds the notebook's code cells took in the run whose outputs it stores (1 s per cell if unknown)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return 0.0
    total = 0.0
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        timing = cell.get("metadata", {}).get("execution", {})
        try:
            total += max(0.0, _seconds(timing["shell.execute_reply"]) - _seconds(timing["iopub.status.busy"]))
        except (KeyError, ValueError):
            total += 1.0
    return total


def pytest_collection_modifyitems(session, config, items):
    """Notebook cells first, grouped by notebook, longest notebook first; then :data:`SLOW_MODULES`; everything else after, in order."""
    root = Path(str(config.rootpath))
    costs = {}
    for item in items:
        path = Path(str(item.fspath))
        if path.suffix == ".ipynb" and path not in costs:
            costs[path] = stored_run_time(path)

    def key(item):
        path = Path(str(item.fspath))
        if path in costs:
            return (0, -costs[path], str(path))
        try:
            slow = SLOW_MODULES.get(path.relative_to(root).as_posix(), 0.0)
        except ValueError:
            slow = 0.0
        return (1, -slow, "")

    items.sort(key=key)  # stable: cells keep their order, and other tests theirs
