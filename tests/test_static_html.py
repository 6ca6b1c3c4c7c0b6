"""The static HTML export reads offline: course_tools.static_widgets and export_html's page assets.

The browser side (maths typeset, pictures shown, nothing fetched from the network) is checked in
a real browser by tests/browser/test_html_export_offline.py.
"""

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook


from course_tools import course_notebooks, export_html, static_widgets

NOTEBOOKS = course_notebooks()
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def model(name, buffers=None, **state):
    entry = {"model_name": name, "model_module": "@jupyter-widgets/controls", "state": state}
    if buffers:
        entry["buffers"] = buffers
    return entry


def panel_state():
    """A panel as helpers.widgets.Panel builds it: a row of controls above a picture."""
    return {
        "box": model("VBoxModel", children=["IPY_MODEL_row", "IPY_MODEL_img"]),
        "row": model("HBoxModel", children=["IPY_MODEL_f", "IPY_MODEL_i", "IPY_MODEL_log", "IPY_MODEL_sel",
                                            "IPY_MODEL_dd", "IPY_MODEL_cb"]),
        "f": model("FloatSliderModel", description="σ", value=0.25, min=0.0, max=1.0, step=0.05,
                   readout_format=".2f"),
        "i": model("IntSliderModel", description="bins", value=30, min=3, max=300, step=1, readout_format="d"),
        "log": model("FloatLogSliderModel", description="lr", value=0.001, base=10, min=-5, max=-1, step=0.5,
                     readout_format=".3g"),
        "sel": model("SelectionSliderModel", description="β", index=1, _options_labels=["0.5", "1", "2"]),
        "dd": model("DropdownModel", description="noise", index=1, _options_labels=["gaussian", "poisson"]),
        "cb": model("CheckboxModel", description="clip", value=True),
        "img": model("ImageModel", format="png", width="", height="",
                     buffers=[{"path": ["value"], "encoding": "base64", "data": PIXEL}]),
    }


def test_a_panel_becomes_disabled_controls_with_their_values_and_its_picture():
    page = static_widgets.render_widget("IPY_MODEL_box", panel_state())
    sliders = re.findall(r'<input type="range" disabled min="([^"]+)" max="([^"]+)" step="([^"]+)" value="([^"]+)">'
                         r"<output>([^<]*)</output>", page)
    assert sliders == [("0", "1", "0.05", "0.25", "0.25"),
                       ("3", "300", "1", "30", "30"),
                       ("-5", "-1", "0.5", "-3", "0.001"),  # a log slider moves along the exponent
                       ("0", "2", "1", "1", "1")]
    assert "<option selected>poisson</option>" in page and "<select disabled>" in page
    assert '<input type="checkbox" disabled checked>' in page
    assert f'src="data:image/png;base64,{PIXEL}"' in page
    assert page.index("σ") < page.index("bins") < page.index("<img")  # children in order
    assert "<script" not in page and "http" not in page
    assert static_widgets.has_slider("box", panel_state())


def test_a_progress_bar_shows_its_last_value_and_labels():
    state = {"bar": model("HBoxModel", children=["IPY_MODEL_left", "IPY_MODEL_p", "IPY_MODEL_right"]),
             "left": model("HTMLModel", value="epoch 23/45: 50%"),
             "p": model("FloatProgressModel", value=1395.0, min=0.0, max=2790.0),
             "right": model("HTMLModel", value="1395/2790 [01:35&lt;00:59]")}
    page = static_widgets.render_widget("bar", state)
    assert '<progress class="course-widget" max="2790" value="1395">50%</progress>' in page
    assert "epoch 23/45: 50%" in page and "[01:35&lt;00:59]" in page
    assert not static_widgets.has_slider("bar", state)


def test_labels_and_descriptions_are_escaped():
    state = {"s": model("IntSliderModel", description="<b>n</b>", value=1, min=0, max=2, step=1),
             "l": model("LabelModel", value="a < b")}
    assert "&lt;b&gt;n&lt;/b&gt;" in static_widgets.render_widget("s", state)
    assert static_widgets.render_widget("l", state).endswith(">a &lt; b</span>")


def test_an_output_widget_shows_its_text_and_pictures():
    state = {"o": model("OutputModel", outputs=[
        {"output_type": "stream", "name": "stdout", "text": "loss 0.5\n"},
        {"output_type": "display_data", "data": {"image/png": PIXEL, "text/plain": "<Figure>"}, "metadata": {}}])}
    page = static_widgets.render_widget("o", state)
    assert "<pre>loss 0.5\n</pre>" in page and f"data:image/png;base64,{PIXEL}" in page and "Figure" not in page


def test_unknown_and_missing_widgets_are_reported_not_dropped():
    with pytest.raises(static_widgets.UnsupportedWidget, match="ColorPickerModel"):
        static_widgets.render_widget("c", {"c": model("ColorPickerModel", value="#fff")})
    with pytest.raises(KeyError, match="not in the notebook's stored widget state"):
        static_widgets.render_widget("IPY_MODEL_gone", panel_state())
    with pytest.raises(static_widgets.UnsupportedWidget, match="without a base64 picture"):
        static_widgets.render_widget("img", {"img": model("ImageModel", format="png")})


def widget_notebook(state, model_id):
    view = {"model_id": model_id, "version_major": 2, "version_minor": 0}
    output = nbformat.v4.new_output("display_data", data={static_widgets.WIDGET_VIEW: view, "text/plain": "VBox(...)"})
    nb = new_notebook(cells=[new_code_cell("panel.show()", execution_count=1, outputs=[output])])
    nb.metadata["widgets"] = {static_widgets.WIDGET_STATE: {"version_major": 2, "version_minor": 0, "state": state}}
    return nb


def test_export_replaces_widget_views_and_drops_the_state_but_leaves_the_notebook_alone():
    nb = widget_notebook(panel_state(), "box")
    static, problems = export_html.static_widget_outputs(nb)
    assert problems == [] and "widgets" not in static.metadata
    data = static.cells[0].outputs[0]["data"]
    assert list(data) == ["text/html"] and export_html.PANEL_NOTE in data["text/html"]
    assert static_widgets.WIDGET_VIEW in nb.cells[0].outputs[0]["data"] and "widgets" in nb.metadata


def test_export_says_which_cell_has_a_widget_it_cannot_draw():
    static, problems = export_html.static_widget_outputs(widget_notebook({}, "IPY_MODEL_lost"))
    assert problems == ["cell 0: \"widget 'lost' is not in the notebook's stored widget state\""]
    assert "run the notebook to see it" in static.cells[0].outputs[0]["data"]["text/html"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_widget_of_the_course_has_a_static_drawing(path):
    nb = nbformat.read(path, as_version=4)
    views = sum(static_widgets.WIDGET_VIEW in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    static, problems = export_html.static_widget_outputs(nb)
    assert views > 0 and problems == []
    assert not any(static_widgets.WIDGET_VIEW in o.get("data", {}) for c in static.cells for o in c.get("outputs", []))


def test_exported_pages_load_nothing_from_the_network(tmp_path):
    nb = widget_notebook(panel_state(), "box")
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("# 09 · Maths\n\nThe density $p(x)$ integrates to 1."))
    path = tmp_path / "09_maths.ipynb"
    nbformat.write(nb, path)
    export_html.export([path], tmp_path / "site")
    page = (tmp_path / "site" / "09_maths.html").read_text()
    loaded = re.findall(r'<(?:script|img|link|iframe)[^>]*?\s(?:src|href)="([^"]+)"', page)
    assert [url for url in loaded if not url.startswith("data:")] == [export_html.MATHJAX_URL]
    assert not re.search(r"https?://[^\"'\s]*\.(?:js|mjs|css)\b", page), "a script or style from the web"
    assert (tmp_path / "site" / "mathjax" / "MathJax.js").is_file()
    assert (tmp_path / "site" / "mathjax" / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").is_dir()
    assert "$p(x)$" in page  # left for MathJax to typeset in the browser


def test_the_module_example_runs():
    import doctest

    result = doctest.testmod(static_widgets)
    assert result.attempted > 0 and result.failed == 0


def test_links_between_notebooks_point_at_the_exported_pages():
    """Notebooks 04 and 05 link to sections of 03: in site/ those links must reach the .html pages."""
    body = ('<a href="03_neural_networks.ipynb#adam">Adam</a> <a href="05_vae.ipynb">05</a> '
            '<a href="https://github.com/x/y/blob/main/notebooks/04_gan.ipynb">GitHub</a>')
    assert export_html.link_pages(body) == (
        '<a href="03_neural_networks.html#adam">Adam</a> <a href="05_vae.html">05</a> '
        '<a href="https://github.com/x/y/blob/main/notebooks/04_gan.ipynb">GitHub</a>')
