"""Every notebook follows the course's shape: title, shared setup cell, stored outputs, exercises, no TF where none is needed."""

import re

import nbformat
import pytest

from helpers import config

from course_tools import course_notebooks
from helpers.colab import SETUP_CELL, setup_cell_index

NOTEBOOKS = course_notebooks()
#: Notebooks that teach without neural networks must start fast: no TensorFlow/Keras import.
NO_TENSORFLOW = ("00_", "01_", "02_")


def test_notebooks_exist_and_are_numbered_once_each():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers and numbers[0] == 0 and len(set(numbers)) == len(numbers), [p.name for p in NOTEBOOKS]


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param.name, nbformat.read(request.param, as_version=4)


def test_starts_with_a_title_and_goals(notebook):
    name, nb = notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), f"{name}: no title cell"
    assert re.search(r"you will|learning goals|goals", first.source, re.I), f"{name}: no learning goals"


def test_setup_cell_is_the_shared_template(notebook):
    name, nb = notebook
    index = setup_cell_index(nb)
    assert not any(c.cell_type == "code" for c in nb.cells[:index]), f"{name}: code before the setup cell"
    assert nb.cells[index].source == SETUP_CELL, (
        f"{name}: setup cell differs from helpers.colab.SETUP_CELL; run `python -m course_tools.notebook_setup`")


def test_outputs_are_stored_and_clean(notebook):
    name, nb = notebook
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), f"{name}: not every cell was executed"
    assert any(c.outputs for c in code), f"{name}: outputs are not stored"
    for cell in code:
        for output in cell.outputs:
            assert output.output_type != "error", f"{name}: stored error in\n{cell.source[:200]}"
            if output.output_type == "execute_result":
                text = output.get("data", {}).get("text/plain", "")
                assert "<Figure size" not in text, f"{name}: end plotting cells with plt.show()"


def test_has_exercises_with_checks_and_hidden_solutions(notebook):
    name, nb = notebook
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert re.search(r"^#+ .*Exercises", text, re.M), f"{name}: no Exercises section"
    assert "<details>" in text or any(
        c.metadata.get("jupyter", {}).get("source_hidden") for c in nb.cells), f"{name}: no hidden solution"
    assert any("check" in c.source for c in nb.cells if c.cell_type == "code"), f"{name}: no check cell"
    assert re.search(r"^#+ .*Summary", text, re.M), f"{name}: no Summary section"


def test_has_a_slider(notebook):
    name, nb = notebook
    assert any("Slider" in c.source for c in nb.cells if c.cell_type == "code"), f"{name}: no slider"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name.startswith(NO_TENSORFLOW)],
                         ids=lambda p: p.name)
def test_no_tensorflow_where_none_is_needed(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not re.search(r"^\s*(import|from)\s+(tensorflow|keras)\b", cell.source, re.M), (
                f"{path.name} imports TensorFlow/Keras: {cell.source[:120]}")


def test_setup_template_runs_locally():
    """Outside Colab the setup cell installs nothing: it only sets the backend and imports helpers."""
    from IPython.core.inputtransformer2 import TransformerManager

    calls = []

    class FakeShell:
        def run_line_magic(self, *args):
            calls.append(("magic", *args))

        def system(self, *args):
            calls.append(("system", *args))

    python = TransformerManager().transform_cell(SETUP_CELL)
    namespace = {"get_ipython": FakeShell}
    exec(compile(python, "setup", "exec"), namespace)
    assert namespace["IN_COLAB"] is False and namespace["config"] is config
    assert calls == [("magic", "matplotlib", "inline")], calls
