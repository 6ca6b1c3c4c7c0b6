"""Every notebook's Colab set-up, run as Google Colab would run it: clone, import from the clone, enable widgets.

In Colab the notebooks' first code cell (``helpers.colab.SETUP_CELL``) sees
``google.colab`` in ``sys.modules``, clones the course repository to ``/content/course``, puts that
folder first on ``sys.path``, imports ``helpers.colab`` from it and calls ``colab.setup()``, which
installs only missing packages and enables Colab's custom widget manager. Colab and GitHub are out
of reach here, so this test runs the same cell against stand-ins:

- GitHub is a bare clone of this repository (what the setup cell clones is therefore the
  *committed* HEAD, as in CI: a file that is git-ignored or never committed is missing from it);
- Colab's runtime is a fresh kernel of the course's environment, started in an empty folder
  outside the repository (Colab's ``/content``), in quick mode, with a fake ``google.colab``
  module whose ``output.enable_custom_widget_manager()`` records that it was called;
- ``/content/course`` and the repository address are replaced, in a copy of the notebook, by a
  folder inside that empty folder and by the bare clone.

What runs (since issue 15, so that ``make test`` does not run every training cell twice, nor start
a kernel and import TensorFlow once per notebook; nbval already runs every cell of every notebook,
from ``notebooks/``): ONE kernel, one notebook made of

- the fake Colab cell, then the setup cell, once: every notebook's setup cell is the same text,
  :data:`helpers.colab.SETUP_CELL` (checked here and in ``tests/test_notebook_structure.py``), and
  no notebook has a code cell before it, so what it does in a fresh Colab runtime is the same for
  every notebook;
- ``00_start_here`` (:data:`RUN_WHOLE`, 2-3 s): every cell after the setup cell, top to bottom. It
  loads MNIST from the clone's data, draws figures and shows a slider panel whose redraw goes
  through an ``Output`` widget (the code path of the issue-15 stall);
- for every other notebook, one cell (its first line names the notebook) made of every import
  statement at the top level of the notebook's other code cells, in their order
  (:func:`notebook_imports`);
- a report cell.

So this still proves, for every notebook: its setup cell works from an empty folder (the clone
is made, shallow; ``colab.setup()`` calls no pip and enables the widget manager exactly once; quick
mode is on); every package and ``helpers`` module the notebook imports is there, and every
``helpers`` module comes from the clone, not from the course's own installation; the data folder
is the clone's ``data/``. A failing import names its notebook (the first line of the cell). With
:func:`test_a_clone_has_every_data_file_with_its_checksum` (every file ``data/SHA256SUMS`` lists
is committed with that checksum; ``helpers.data.embedded_path`` loads nothing else) the data a
notebook loads is in a clone.

What it no longer proves (these cells run under nbval only, with ``notebooks/`` as working
directory): that the cells after the setup cell of 01 onward work with Colab's ``/content`` as
working directory, e.g. a cell that read a file by a path relative to ``notebooks/`` would pass
here (none does today: notebooks read files only through ``helpers``); imports inside functions
or ``if`` blocks; a slider panel of notebooks other than 00; and that a notebook's imports work in
a kernel where the notebooks before it have not run (Python's imports do not depend on what was
imported before them, unless a module changes ``sys.path`` or ``sys.modules``; none of the
course's does).

What this cannot simulate at all: Colab's own package versions (the kernel has the course's
pinned ones, so ``colab.setup()`` never installs anything here), the real clone from GitHub
(network, the default branch, the repository being public), and widgets rendering in Colab's
front end.
"""

import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from course_tools import notebook_client
from helpers import config
from helpers.colab import REPO_URL, setup_cell_index

ROOT = config.repo_root()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: Where the setup cell clones the course in Colab.
COLAB_CLONE = "/content/course"
#: Notebooks whose every cell runs (the others: their imports only; see the module's docstring).
RUN_WHOLE = ("00_start_here.ipynb",)
#: Seconds one cell may take: generous (no cell run here takes 10 s on 2 busy cores), and a hang
#: fails naming the notebook and the cell (course_tools.notebook_client).
CELL_TIMEOUT = 120
#: The first word of the line the report cell prints.
REPORT_MARKER = "SIMULATED-COLAB-REPORT"

#: Added before the setup cell: what Colab has done before a notebook's first cell runs.
FAKE_COLAB_CELL = '''\
# Added by tests/test_colab_simulated.py: a stand-in for Colab, which imports google.colab at start-up.
import sys
import types


def _pretend_to_be_colab():
    assert "helpers" not in sys.modules, "helpers was imported before the setup cell (not from the clone)"
    try:
        import google  # the real namespace package, so that TensorFlow still finds google.protobuf
    except ImportError:
        google = types.ModuleType("google")
        google.__path__ = []
        sys.modules["google"] = google
    colab = types.ModuleType("google.colab")
    output = types.ModuleType("google.colab.output")
    output.widget_manager_calls = []
    output.enable_custom_widget_manager = lambda: output.widget_manager_calls.append("enabled")
    colab.output = output
    google.colab = colab
    sys.modules["google.colab"] = colab
    sys.modules["google.colab.output"] = output


_pretend_to_be_colab()
del _pretend_to_be_colab'''

#: Added after the last cell: one JSON line saying what the setup cell did.
REPORT_CELL = f'''\
# Added by tests/test_colab_simulated.py: where everything came from, as one JSON line.
import json as _json
import os as _os
import sys as _sys
from google.colab import output as _colab_output
from helpers import colab as _colab
from helpers import config as _config

print("{REPORT_MARKER}", _json.dumps({{
    "in_colab": IN_COLAB,
    "cwd": _os.getcwd(),
    "sys_prefix": _sys.prefix,
    "helpers_files": {{name: getattr(module, "__file__", None) for name, module in _sys.modules.items()
                      if name == "helpers" or name.startswith("helpers.")}},
    "data_dir": str(_config.data_dir()),
    "widget_manager_calls": len(_colab_output.widget_manager_calls),
    "missing_packages": _colab.missing_packages(),
}}))'''


def git(*args, cwd=None):
    """Run git quietly; return its standard output (raises CalledProcessError on failure)."""
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def clone_source(tmp_path_factory):
    """The stand-in for the GitHub repository: a bare clone of this repository, as a ``file://`` URL.

    Made once per module. ``file://`` (not a plain path) so that the setup cell's
    ``git clone --depth 1`` really makes a shallow clone, as from GitHub.
    """
    if shutil.which("git") is None:
        pytest.skip("git is not installed: cannot clone the course as Colab does")
    try:
        inside = git("rev-parse", "--is-inside-work-tree", cwd=ROOT).strip() == "true"
        top = git("rev-parse", "--show-toplevel", cwd=ROOT).strip()
    except subprocess.CalledProcessError:
        inside, top = False, ""
    if not inside or os.path.realpath(top) != os.path.realpath(ROOT):
        pytest.skip(f"{ROOT} is not the root of a git repository: nothing to clone as Colab does")
    origin = tmp_path_factory.mktemp("github") / "image-generation-course.git"
    git("clone", "--bare", "--quiet", str(ROOT), str(origin))
    return origin.as_uri()


def notebook_imports(nb, skip=()):
    """Every import statement at the top level of the notebook's code cells (but ``skip``), in order, once.

    IPython syntax (``%magic``, ``!shell``) is translated first, as the kernel would.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    transform = TransformerManager().transform_cell
    statements = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or index in skip:
            continue
        for node in ast.parse(transform(cell.source)).body:
            if isinstance(node, ast.Import | ast.ImportFrom) and ast.unparse(node) not in statements:
                statements.append(ast.unparse(node))
    return statements


def colab_notebook(paths, clone_source, clone_dir):
    """One notebook that runs every notebook's Colab set-up as Colab would here (see the module's docstring).

    Cells: fake ``google.colab``; the setup cell, in which ``REPO_URL`` becomes ``clone_source``
    and ``/content/course`` becomes ``clone_dir`` (nothing else changes); every cell after the
    setup cell of the notebooks in :data:`RUN_WHOLE`; one cell of import statements for each other
    notebook, its first line naming the notebook; the report cell.
    """
    setup_source, cells = None, []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        index = setup_cell_index(nb)
        source = nb.cells[index].source
        assert setup_source in (None, source), (
            f"{path.name}: its setup cell differs from {paths[0].name}'s; this test runs one setup cell for "
            "every notebook (run `python -m course_tools.notebook_setup`, or run this one on its own)")
        setup_source = source
        before = [cell for cell in nb.cells[:index] if cell.cell_type == "code"]
        assert not before, f"{path.name}: a code cell before the setup cell, which Colab would run first"
        if path.name in RUN_WHOLE:
            cells += [nbformat.v4.new_code_cell(cell.source) for cell in nb.cells[index + 1:] if cell.cell_type == "code"]
        else:
            imports = notebook_imports(nb, skip={index})
            assert imports, f"{path.name}: no import statement outside the setup cell"
            cells.append(nbformat.v4.new_code_cell(
                f"# Added by tests/test_colab_simulated.py: the import statements of {path.name}.\n" + "\n".join(imports)))
    for original in (REPO_URL, COLAB_CLONE):
        assert original in setup_source, f"the setup cell no longer contains {original!r}; update this test"
    setup = nbformat.v4.new_code_cell(setup_source.replace(REPO_URL, clone_source).replace(COLAB_CLONE, str(clone_dir)))
    setup.metadata["tags"] = ["setup"]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FAKE_COLAB_CELL), setup, *cells,
                                           nbformat.v4.new_code_cell(REPORT_CELL)])


def execute(nb, name, cwd):
    """Run the notebook in a fresh kernel of this environment, with ``cwd`` as working directory.

    Uses :mod:`course_tools.notebook_client` (nbclient without its lost-reply stall). Returns the wall
    time in seconds; fails the test with the failing cell's error, or naming the cell that hung.
    """
    from nbclient.exceptions import CellExecutionError

    try:
        return notebook_client.execute(nb, name, cwd, timeout=CELL_TIMEOUT)
    except CellExecutionError as error:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(error))  # without the traceback's colours
        pytest.fail(f"a cell failed in simulated Colab:\n{plain}")
    except notebook_client.NotebookHangError as error:
        pytest.fail(f"simulated Colab: {error}")


def cell_text(cell):
    """Everything a code cell printed (stdout and stderr), as one string."""
    return "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")


def read_report(nb):
    """The JSON line printed by the report cell (the notebook's last cell)."""
    for line in cell_text(nb.cells[-1]).splitlines():
        if line.startswith(REPORT_MARKER + " "):
            return json.loads(line.removeprefix(REPORT_MARKER + " "))
    raise AssertionError(f"the report cell printed no {REPORT_MARKER} line: {cell_text(nb.cells[-1])!r}")


@pytest.fixture
def colab_runtime(tmp_path, monkeypatch):
    """An empty working folder outside the repository, like Colab's ``/content``, and the kernel's environment."""
    content = tmp_path / "content"
    content.mkdir()
    assert not content.resolve().is_relative_to(ROOT.resolve()), "the working folder must be outside the repository"
    monkeypatch.setenv(config.QUICK_ENV, "1")
    monkeypatch.delenv(config.DATA_DIR_ENV, raising=False)  # data must come from the clone
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # should colab.setup() call pip, fail at once instead of waiting for a network
    return content


def test_every_notebook_runs_from_a_fresh_clone_as_in_colab(clone_source, colab_runtime, tmp_path):
    """The set-up and every notebook's imports run without error, on the clone's ``helpers`` and data, widgets enabled, no pip.

    Parameters
    ----------
    clone_source, colab_runtime, tmp_path
        The fixtures above: the stand-in for GitHub, the stand-in for ``/content``, a scratch folder.
    """
    assert NOTEBOOKS and set(RUN_WHOLE) <= {path.name for path in NOTEBOOKS}
    clone_dir = colab_runtime / "course"
    nb = colab_notebook(NOTEBOOKS, clone_source, clone_dir)
    seconds = execute(nb, "simulated_colab.ipynb", cwd=colab_runtime)
    nbformat.write(nb, tmp_path / "simulated_colab.ipynb")  # the executed copy, to read when something looks wrong
    print(f"{len(NOTEBOOKS)} notebooks: {seconds:.1f} s in simulated Colab")
    setup_output = cell_text(nb.cells[setup_cell_index(nb)])

    errors = [cell.source[:200] for cell in nb.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    assert not errors, f"cells with errors: {errors}"
    # The setup cell stops when the clone fails; were that check lost, `helpers` would quietly come
    # from the course's own installation here (in Colab: ModuleNotFoundError). So look for the clone.
    assert (clone_dir / "helpers" / "colab.py").is_file(), f"the setup cell did not clone: {setup_output}"
    assert git("rev-parse", "--is-shallow-repository", cwd=clone_dir).strip() == "true"

    report = read_report(nb)
    assert report["in_colab"] is True
    assert os.path.realpath(report["cwd"]) == os.path.realpath(colab_runtime)
    assert os.path.realpath(report["sys_prefix"]) == os.path.realpath(sys.prefix), "the kernel is not this environment"
    not_from_clone = {name: file for name, file in report["helpers_files"].items()
                      if file is None or not os.path.realpath(file).startswith(os.path.realpath(clone_dir) + os.sep)}
    assert "helpers" in report["helpers_files"] and not not_from_clone, f"imported from outside the clone: {not_from_clone}"
    assert os.path.realpath(report["data_dir"]) == os.path.realpath(clone_dir / "data")
    assert report["widget_manager_calls"] == 1, "colab.setup() did not enable the widget manager (exactly once)"
    assert report["missing_packages"] == []
    assert "installing" not in setup_output, f"colab.setup() ran pip: {setup_output}"
    assert "quick mode" in setup_output, f"the setup cell did not report quick mode: {setup_output}"


def test_a_clone_has_every_data_file_with_its_checksum(clone_source, tmp_path):
    """Every file ``data/SHA256SUMS`` lists is committed, not git-ignored, and has the listed content."""
    clone_dir = tmp_path / "course"
    git("clone", "--depth", "1", "--quiet", clone_source, str(clone_dir))
    listed = [line.split(maxsplit=1) for line in (ROOT / "data" / "SHA256SUMS").read_text().splitlines() if line.strip()]
    assert listed, "data/SHA256SUMS lists nothing"
    missing = [name for _, name in listed if not (clone_dir / "data" / name).is_file()]
    assert not missing, f"in data/SHA256SUMS but not in a clone (not committed, or git-ignored): {missing}"
    different = [name for digest, name in listed
                 if hashlib.sha256((clone_dir / "data" / name).read_bytes()).hexdigest() != digest]
    assert not different, f"committed content differs from data/SHA256SUMS: {different}"
