"""course_tools.cell_deps: which cells the browser test runs so that the sliders work.

A cell left out by mistake would make the browser test fail with a NameError (loud, not
silent); a cell kept by mistake costs time. These cases pin both directions.
"""

import nbformat
import pytest

from course_tools import cell_deps
from course_tools import course_notebooks


def keep(cells, target=-1, always=()):
    return cell_deps.needed_cells(cells, [target % len(cells)], always)


def test_a_slow_cell_the_slider_does_not_read_is_left_out():
    cells = ["import numpy as np", "x = np.ones(3)", "model = train(x)  # slow", "y = 2 * x", "panel(y)"]
    assert keep(cells) == [0, 1, 3, 4]


def test_names_read_inside_a_callback_count():
    cells = ["import numpy as np", "table = np.eye(3)", "unused = 1",
             "def update(k):\n    return table[k] * np.pi\npanel = Panel(update)"]
    assert keep(cells) == [0, 1, 3]


def test_an_in_place_change_is_kept():
    cells = ["d = {}", "d['a'] = 1", "items = []", "items.append(2)", "x = 0", "x += 1", "show(d, items, x)"]
    assert keep(cells) == list(range(7))


def test_a_module_changed_by_a_call_does_not_pull_in_the_cell():
    # plt.xlim(...) or plt.rcParams[...] = ... in a plotting cell does not make it a source of plt
    cells = ["import matplotlib.pyplot as plt", "plt.rcParams['figure.dpi'] = 72\nhistory = train()",
             "plt.plot(history)", "fig = plt.figure()"]
    assert keep(cells) == [0, 3]


def test_rebinding_takes_the_last_binder_only():
    cells = ["model = slow_training()", "model = load_shipped()", "panel(model)"]
    assert keep(cells) == [1, 2]
    assert keep(["x = 1", "x = x + 1", "show(x)"]) == [0, 1, 2]


def test_local_names_of_loops_comprehensions_and_functions_are_not_read_from_earlier_cells():
    cells = ["ax = expensive()", "k = expensive()",
             "for ax in axes:\n    ax.plot([k2 for k2 in range(3)])\ndef f(k):\n    return k"]
    assert keep(cells) == [2]


def test_magics_are_translated_and_unparsable_cells_keep_everything_before():
    assert keep(["x = 1", "%matplotlib inline\ny = 2", "show(y)"]) == [1, 2]
    assert keep(["x = 1", "y = = 2", "show(2)"]) == [0, 1, 2]


def test_always_kept_cells_bring_what_they_need():
    assert cell_deps.needed_cells(["a = 1", "b = a", "c = 3", "show(c)"], [3], always=[1]) == [0, 1, 2, 3]


def test_targets_out_of_range_are_refused():
    with pytest.raises(ValueError, match="cell index 5"):
        cell_deps.needed_cells(["x = 1"], [5])


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.stem)
def test_every_course_notebook_parses(path):
    """The browser test relies on the analysis: every code cell of the course must parse."""
    nb = nbformat.read(path, as_version=4)
    bad = [i for i, c in enumerate(c for c in nb.cells if c.cell_type == "code")
           if not cell_deps.cell_names(c.source).parsed]
    assert bad == [], f"{path.name}: code cells {bad} do not parse"
