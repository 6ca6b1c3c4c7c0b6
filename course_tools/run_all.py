"""Execute every course notebook top to bottom and report each one's wall time and the total.

    python -m course_tools.run_all              # quick mode (COURSE_QUICK=1), as CI runs the course
    python -m course_tools.run_all --full       # full size, as a learner runs it (`make run-all-full`)
    python -m course_tools.run_all notebooks/01_noise_models.ipynb   # only these notebooks

Each notebook runs in a fresh kernel with its folder as working directory, like JupyterLab;
the notebook files are not changed (``--save DIR`` writes the executed copies to DIR).
Every notebook is run even when an earlier one fails; the exit status is 1 when any failed.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from pathlib import Path

from course_tools import course_notebooks


def run_notebook(path: Path, timeout: int, kernel_name: str, save: Path | None = None):
    """Execute one notebook in a fresh kernel; return (seconds, error message or None).

    Runs through :mod:`course_tools.notebook_client`: nbclient without its lost-reply stall, and a
    cell that exceeds ``timeout`` is reported by notebook and cell.
    """
    import nbformat
    from nbclient.exceptions import CellExecutionError

    from course_tools import notebook_client

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    error = None
    try:
        notebook_client.execute(nb, path.name, path.parent, timeout=timeout, kernel_name=kernel_name)
    except CellExecutionError as exc:
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # the traceback's colours
        lines = [line for line in text.strip().splitlines() if line.strip()]
        error = lines[-1] if lines else "a cell failed"
    except (notebook_client.NotebookHangError, TimeoutError, RuntimeError) as exc:
        error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    seconds = time.perf_counter() - start
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, save / path.name)
    return seconds, error


def format_time(seconds: float) -> str:
    """``12.3 s`` below a minute, ``4 min 05 s`` above."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: all of notebooks/)")
    parser.add_argument("--full", action="store_true", help="full mode (COURSE_QUICK=0) instead of quick mode")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed for one cell (default 3600)")
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name (default python3)")
    parser.add_argument("--save", type=Path, default=None, help="folder for the executed copies")
    args = parser.parse_args(argv)

    paths = [p.resolve() for p in args.notebooks] or course_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    if not paths:
        parser.error("no notebooks in notebooks/")
    os.environ["COURSE_QUICK"] = "0" if args.full else "1"  # the kernels inherit it
    mode = "full" if args.full else "quick"
    print(f"Running {len(paths)} notebook(s) in {mode} mode (COURSE_QUICK={os.environ['COURSE_QUICK']}) "
          f"on {platform.node()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}", flush=True)

    results = []
    total_start = time.perf_counter()
    live = sys.stdout.isatty()
    for path in paths:
        if live:
            print(f"  {path.name:<34} ...", end="", flush=True)
        seconds, error = run_notebook(path, args.timeout, args.kernel, args.save)
        results.append((path.name, seconds, error))
        print(f"{chr(13) if live else ''}  {path.name:<34} {format_time(seconds):>12}  "
              f"{'FAILED: ' + error if error else 'ok'}", flush=True)
    total = time.perf_counter() - total_start
    failed = [name for name, _, error in results if error]
    print(f"  {'total':<34} {format_time(total):>12}  "
          f"{len(results) - len(failed)} ok, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
