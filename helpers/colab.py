"""Google Colab: what the notebooks' shared setup cell does there, after cloning the repository.

Colab already has NumPy, SciPy, matplotlib, scikit-image, scikit-learn, ipywidgets and
TensorFlow/Keras, in versions of its own that its other packages are built against. Installing
the course's pins over them (``pip install -e .``) would replace packages Colab may already have
loaded, ask for a runtime restart, and take minutes. So in Colab the course is used from the
clone on ``sys.path`` and only the packages that are *missing* are installed, unpinned
(:func:`setup`). Colab also needs its custom widget manager enabled for ipywidgets sliders.

The setup cell itself is :data:`SETUP_CELL` (the template every notebook's first code cell
must equal; ``python -m course_tools.notebook_setup`` rewrites the notebooks from it) and the
repository it clones is :data:`REPO_URL`: a fork changes it here and runs that command.

Nothing here runs outside Colab unless called.
"""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys

__all__ = ["REPO_URL", "SETUP_CELL", "setup_cell_index", "REQUIREMENTS", "missing_packages", "setup"]

#: The public repository of the course. Forks: change it here, then run ``python -m course_tools.notebook_setup``.
REPO_URL = "https://github.com/image-generation-course/image-generation-course"

#: The first code cell of every notebook (tagged ``setup``).
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
from helpers import config, plotting
plotting.use_course_style()  # one figure resolution and format for the whole course
print("quick mode" if config.quick_mode() else "full mode")'''



def setup_cell_index(nb) -> int:
    """Index of the notebook's setup cell: the first code cell tagged ``setup``."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "setup" in cell.metadata.get("tags", []):
            return i
    raise LookupError("no code cell tagged 'setup'")


#: Import name -> pip distribution name, for everything the notebooks import (pyproject.toml's
#: dependencies and its ``dl`` group; tests/test_colab.py checks the two agree).
REQUIREMENTS = {
    "numpy": "numpy",
    "scipy": "scipy",
    "matplotlib": "matplotlib",
    "skimage": "scikit-image",
    "sklearn": "scikit-learn",
    "pywt": "PyWavelets",
    "ipywidgets": "ipywidgets",
    "tqdm": "tqdm",
    "tensorflow": "tensorflow",
    "keras": "keras",
}


def missing_packages(requirements=None, find_spec=importlib.util.find_spec):
    """Distribution names of the required packages that cannot be imported here.

    Parameters
    ----------
    requirements : dict of str -> str, optional
        Import name -> pip name; :data:`REQUIREMENTS` by default.
    find_spec : callable
        ``importlib.util.find_spec`` (replaceable in tests).

    Examples
    --------
    >>> missing_packages({"sys": "python", "surely_not_a_module_xyz": "xyz-dist"})
    ['xyz-dist']
    """
    requirements = REQUIREMENTS if requirements is None else requirements
    if not isinstance(requirements, dict):
        raise TypeError(f"requirements must be a dict of import name -> pip name; got {type(requirements).__name__}")
    return [dist for module, dist in requirements.items() if find_spec(module) is None]


def setup(install=True, enable_widgets=True, run=subprocess.check_call):
    """Prepare a Colab runtime for the course: install what is missing, enable widgets.

    Parameters
    ----------
    install : bool
        Install the missing packages with pip (unpinned: whatever suits Colab's runtime).
    enable_widgets : bool
        Enable Colab's custom widget manager (ipywidgets sliders stay blank without it).
    run : callable
        Runs the pip command (replaceable in tests).

    Returns
    -------
    list of str
        The packages that were missing.
    """
    missing = missing_packages()
    if missing and install:
        print("installing", ", ".join(missing))
        run([sys.executable, "-m", "pip", "install", "-q", *missing])
        importlib.invalidate_caches()
    if enable_widgets:
        from google.colab import output

        output.enable_custom_widget_manager()
    return missing
