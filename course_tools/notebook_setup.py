"""The setup cell every notebook starts with, kept in one place.

Run ``python scripts/notebook_setup.py`` after changing :data:`SETUP_CELL` or
``REPO_URL``: it rewrites the first code cell (the one tagged ``setup``) of every
notebook in ``notebooks/`` (or of the notebooks named as arguments). ``tests/test_notebook_structure.py`` fails when a
notebook's setup cell differs from this template.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: The public repository of the course. Forks: change it here, then run this script.
REPO_URL = "https://github.com/image-generation-course/image-generation-course"

SETUP_CELL = f'''\
# Setup: works locally (after `make lab`) and in Google Colab.
import os
import sys

IN_COLAB = "google.colab" in sys.modules
if IN_COLAB:  # the course's helpers and data, from the repository
    REPO_URL = "{REPO_URL}"
    if not os.path.isdir("/content/course"):
        !git clone --depth 1 -q {{REPO_URL}} /content/course
        assert os.path.isdir("/content/course/helpers"), f"could not clone {{REPO_URL}}: see git's message above"
    sys.path.insert(0, "/content/course")
    from helpers import colab
    colab.setup()  # installs only what Colab lacks (keeps its numpy, TensorFlow); enables widgets

%matplotlib inline
from helpers import config
print("quick mode" if config.quick_mode() else "full mode")'''

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def setup_cell_index(nb) -> int:
    """Index of the notebook's setup cell: the first code cell tagged ``setup``."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "setup" in cell.metadata.get("tags", []):
            return i
    raise LookupError("no code cell tagged 'setup'")


def main(argv=None) -> int:
    """Rewrite the setup cell of the given notebooks (default: every notebook in ``notebooks/``)."""
    import nbformat

    argv = sys.argv[1:] if argv is None else argv
    paths = [Path(p) for p in argv] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        i = setup_cell_index(nb)
        if nb.cells[i].source != SETUP_CELL:
            nb.cells[i].source = SETUP_CELL
            nbformat.write(nb, path)
            print(f"updated {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
