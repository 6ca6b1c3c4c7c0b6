"""The course's own tooling (not for learners): the notebooks' setup cell, whole-course runs, HTML export.

- ``python -m course_tools.notebook_setup`` -- rewrite every notebook's setup cell from the
  template in :mod:`helpers.colab` (``SETUP_CELL``, ``REPO_URL``).
- ``python -m course_tools.run_all [--full]`` -- run every notebook, print each one's time (``make run-all``).
- ``python -m course_tools.export_html`` -- static HTML of the executed notebooks (``make html``),
  with :mod:`course_tools.static_widgets`.

Installed with ``helpers`` (``make setup``), so tests and scripts import it as a package.
"""

from __future__ import annotations

from helpers.config import repo_root


def course_notebooks():
    """The course's notebooks in order: ``notebooks/NN_topic.ipynb``."""
    return sorted((repo_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))
