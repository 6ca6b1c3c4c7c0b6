"""helpers.plotting's course style: one resolution for every kind of figure the course draws
(live training samples: tests/test_training.py)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plotting  # noqa: E402
from helpers.widgets import new_figure  # noqa: E402


@pytest.fixture
def course_style():
    saved = matplotlib.rcParams["figure.dpi"]
    matplotlib.rcParams["figure.dpi"] = 72  # what a notebook had before
    plotting.use_course_style()
    yield
    matplotlib.rcParams["figure.dpi"] = saved


def test_every_figure_follows_the_course_resolution(course_style):
    figures = {"pyplot": plt.figure(), "plot_history": plotting.plot_history({"step": [1, 2], "loss": [1, 0]}).figure,
               "image_grid": plotting.image_grid(np.zeros((2, 4, 4))), "panel": new_figure((2, 2))}
    assert {name: fig.dpi for name, fig in figures.items()} == dict.fromkeys(figures, plotting.FIGURE_DPI)
    plt.close("all")


def test_course_style_refuses_unknown_formats(course_style):
    with pytest.raises(ValueError, match="image_format='svg'"):
        plotting.use_course_style("svg")
