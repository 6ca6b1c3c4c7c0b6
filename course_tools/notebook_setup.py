"""Rewrite the setup cell of the notebooks from the one template, :data:`helpers.colab.SETUP_CELL`.

Run ``python -m course_tools.notebook_setup`` after changing ``SETUP_CELL`` or ``REPO_URL`` in
``helpers/colab.py``: it rewrites the first code cell (the one tagged ``setup``) of every
notebook in ``notebooks/`` (or of the notebooks named as arguments).
``tests/test_notebook_structure.py`` fails when a notebook's setup cell differs from the template.
"""

from __future__ import annotations

import sys
from pathlib import Path

from course_tools import course_notebooks
from helpers.colab import SETUP_CELL, setup_cell_index


def main(argv=None) -> int:
    """Rewrite the setup cell of the given notebooks (default: every notebook in ``notebooks/``)."""
    import nbformat

    argv = sys.argv[1:] if argv is None else argv
    paths = [Path(p) for p in argv] or course_notebooks()
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
