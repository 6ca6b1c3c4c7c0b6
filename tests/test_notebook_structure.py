"""Every notebook follows the course's shape: title, shared setup cell, stored outputs, exercises, no TF where none is needed."""

import ast
import re

import nbformat
import pytest
from test_layers import TENSORFLOW, TENSORFLOW_MODULES, all_sources, imports_of

from course_tools import course_notebooks
from course_tools.static_widgets import WIDGET_VIEW, has_slider, widget_state
from helpers import config, exercises
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


#: The figure style (resolution, stored format) is set once for the course, by the setup cell
#: (helpers.plotting.use_course_style); a notebook of noise pictures may ask it for JPEG.
STYLE_SETTINGS = re.compile(r"figure\.dpi|set_matplotlib_formats|InlineBackend|rcParams\.update")


def test_figure_style_is_set_once(notebook):
    name, nb = notebook
    for cell in nb.cells[setup_cell_index(nb) + 1:]:
        found = STYLE_SETTINGS.search(cell.source) if cell.cell_type == "code" else None
        assert not found, (f"{name}: {found.group(0)!r} in a code cell; the setup cell sets the figure style "
                           f"(helpers.plotting.use_course_style, which also offers 'jpeg'):\n{cell.source[:300]}")


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


def python_of(cell):
    """A code cell's source as plain Python (IPython magics and ``!`` commands turned into calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(cell.source)


def check_cell_problems(name, nb):
    """What is wrong with the notebook's exercise check cell, or [] if it is right.

    The check cell is one call ``exercises.check("NN", ...)`` for the notebook's own number, passing
    exactly the names its registered exercises need, and nothing else (no expected answers in sight).
    """
    number = name[:2]
    needed = {n for answers, uses in exercises.registered(number).values() for n in answers + uses}
    if not needed:
        return [f"{name}: no exercises registered in helpers.exercises for notebook {number!r}"]
    for cell in nb.cells:
        if cell.cell_type != "code" or "exercises.check(" not in cell.source:
            continue
        body = ast.parse(python_of(cell)).body
        calls = [node.value for node in body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                 and ast.unparse(node.value.func) == "exercises.check"]
        others = [node for node in body if not isinstance(node, (ast.Import, ast.ImportFrom))
                  and not (isinstance(node, ast.Expr) and node.value in calls)]
        if len(calls) != 1 or others:
            return [f"{name}: the check cell must be one call exercises.check(...), nothing else"]
        call = calls[0]
        if [ast.literal_eval(arg) for arg in call.args] != [number]:
            return [f"{name}: the check cell checks notebook {ast.unparse(call.args)}, not {number!r}"]
        given = {keyword.arg for keyword in call.keywords}
        if given != needed:
            return [f"{name}: the check cell passes {sorted(given)}; the exercises need {sorted(needed)}"]
        return []
    return [f"{name}: no check cell (exercises.check({number!r}, ...))"]


def test_has_exercises_with_checks_and_hidden_solutions(notebook):
    name, nb = notebook
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert re.search(r"^#+ .*Exercises", text, re.M), f"{name}: no Exercises section"
    assert "<details>" in text or any(
        c.metadata.get("jupyter", {}).get("source_hidden") for c in nb.cells), f"{name}: no hidden solution"
    assert check_cell_problems(name, nb) == []
    assert re.search(r"^#+ .*Summary", text, re.M), f"{name}: no Summary section"


def test_a_wrong_check_cell_is_reported():
    """The check above can fail: a cell that only mentions "checkpoint", a wrong notebook, a missing name."""
    def nb_with(source):
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])

    assert "no check cell" in check_cell_problems("00_x", nb_with("ckpt = 'checkpoint'  # check"))[0]
    assert "not '00'" in check_cell_problems("00_x", nb_with(
        "exercises.check('01', black_fraction=1, mean_digits=2)"))[0]
    assert "the exercises need" in check_cell_problems("00_x", nb_with("exercises.check('00', black_fraction=1)"))[0]
    assert "one call" in check_cell_problems("00_x", nb_with(
        "print(0.81)\nexercises.check('00', black_fraction=1, mean_digits=2)"))[0]
    assert check_cell_problems("00_x", nb_with(
        "from helpers import exercises\nexercises.check('00', black_fraction=None, mean_digits=None)")) == []


def slider_problems(name, nb):
    """[] if the notebook's stored outputs show a widget with a slider (or dropdown, checkbox)."""
    state = widget_state(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and has_slider(view["model_id"], state):
                return []
    return [f"{name}: no slider panel among the stored outputs"]


def test_has_a_slider(notebook):
    name, nb = notebook
    assert slider_problems(name, nb) == []


def test_a_notebook_without_a_shown_slider_is_reported():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("# widgets.FloatSlider() in a comment")])
    assert slider_problems("x", nb) == ["x: no slider panel among the stored outputs"]


def tensorflow_imported_by(nb):
    """The imports of the notebook's code cells that load TensorFlow: directly, or through a helpers
    module that imports it (followed through every module it imports, as tests/test_layers.py reads them)."""
    sources = all_sources()
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for line, target in imports_of("__notebook__", python_of(cell)):
            todo, seen = [target], set()
            while todo:
                name = todo.pop()
                if name in seen:
                    continue
                seen.add(name)
                if name.startswith("!"):
                    if name[1:] in TENSORFLOW:
                        found.append(f"{target.lstrip('!')} (line {line}: {name[1:]})")
                    continue
                if name in TENSORFLOW_MODULES:
                    found.append(f"helpers.{target} (line {line}: helpers.{name} imports TensorFlow)")
                    continue
                todo += [t for _, t in imports_of(name, sources.get(name, ""))]
    return found


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name.startswith(NO_TENSORFLOW)],
                         ids=lambda p: p.name)
def test_no_tensorflow_where_none_is_needed(path):
    """Not imported directly, nor through a helpers module (helpers.training, helpers.models.gan...)."""
    assert tensorflow_imported_by(nbformat.read(path, as_version=4)) == [], path.name


def test_tensorflow_through_helpers_is_found():
    def nb_with(source):
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])

    assert tensorflow_imported_by(nb_with("def f():\n    from helpers.training import Timer")) == [
        "helpers.training (line 2: helpers.training imports TensorFlow)"]
    assert tensorflow_imported_by(nb_with("from helpers.models import gan")) == [
        "helpers.models.gan (line 1: helpers.models.gan imports TensorFlow)"]
    assert tensorflow_imported_by(nb_with("import keras.ops")) == ["keras (line 1: keras)"]
    assert tensorflow_imported_by(nb_with("from helpers import data, widgets, exercises\nimport numpy")) == []


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
