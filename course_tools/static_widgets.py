"""Static HTML for the ipywidgets a notebook displayed, from the widget state stored in it.

A saved notebook keeps, in its metadata, the last state of every widget it showed (slider
values, the panel's picture, a progress bar's text). JupyterLab's "static" renderer for that
state is a JavaScript bundle fetched from a CDN, so an exported page read offline shows nothing
where a panel was. :func:`render_widget` turns the state into plain HTML instead: sliders as
disabled range inputs with their value, the panel's picture as an ``<img>``, boxes as flex rows
and columns, progress bars as ``<progress>``. It supports the widgets the course uses and says so
plainly (:class:`UnsupportedWidget`) for any other, so a new kind of widget is noticed at export
time rather than silently dropped.

    >>> state = {"s": {"model_name": "FloatSliderModel", "state": {
    ...     "description": "σ", "value": 0.25, "min": 0, "max": 1, "step": 0.05,
    ...     "readout_format": ".2f"}}}
    >>> print(render_widget("s", state))  # doctest: +NORMALIZE_WHITESPACE
    <label class="course-widget course-slider"><span>σ</span>
    <input type="range" disabled min="0" max="1" step="0.05" value="0.25"><output>0.25</output></label>
"""

from __future__ import annotations

import html
import math

__all__ = ["WIDGET_VIEW", "WIDGET_STATE", "UnsupportedWidget", "widget_state", "render_widget",
           "has_slider", "STYLE"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_REFERENCE = "IPY_MODEL_"

#: CSS for the rendered widgets (added once to every exported page that has some).
STYLE = """\
.course-widget-static { border-left: 3px solid #bbb; padding: 0.3em 0 0.3em 0.8em; margin: 0.4em 0; }
.course-widget-static > .course-widget-note { color: #555; font-size: 90%; margin: 0 0 0.4em 0; }
.course-hbox { display: flex; flex-direction: row; flex-wrap: wrap; gap: 0.3em 1.2em; align-items: center; }
.course-vbox { display: flex; flex-direction: column; gap: 0.3em; }
.course-slider, .course-choice { display: inline-flex; align-items: center; gap: 0.5em; }
.course-slider input { width: 10em; }
.course-widget img { max-width: 100%; height: auto; }
.course-progress { display: inline-flex; align-items: center; gap: 0.5em; font-family: monospace; }
"""


class UnsupportedWidget(ValueError):
    """A widget model that :func:`render_widget` has no static HTML for."""


def widget_state(nb) -> dict:
    """The notebook's stored widget models: model id -> ``{"model_name": ..., "state": ...}``.

    Empty when the notebook stores no widget state (it was saved without it).
    """
    stored = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {})
    return stored.get("state", {})


def _model_id(reference: str) -> str:
    return reference[len(_REFERENCE):] if reference.startswith(_REFERENCE) else reference


def _escape(value) -> str:
    return html.escape(str(value), quote=True)


def _number(value) -> str:
    """A range input's attribute: 12 significant digits, integers without a trailing ``.0``."""
    return f"{float(value):.12g}"


def _readout(value, readout_format: str | None) -> str:
    """The slider's readout, formatted as ipywidgets does (its d3 formats are Python's)."""
    fmt = (readout_format or "").lstrip("~")  # d3's "~" (trim zeros) has no Python spelling
    try:
        return format(value, fmt)
    except (TypeError, ValueError):
        return str(value)


def _label(description: str) -> str:
    return f"<span>{_escape(description)}</span>" if description else ""


def _slider(state: dict, name: str) -> str:
    if name == "SelectionSliderModel":
        labels = state.get("_options_labels", [])
        index = state.get("index") or 0
        low, high, step, value = 0, max(len(labels) - 1, 0), 1, index
        readout = labels[index] if labels else ""
    elif name == "FloatLogSliderModel":  # min and max are exponents of base
        base = state.get("base", 10)
        low, high, step = state.get("min", 0), state.get("max", 4), state.get("step", 0.1)
        value = math.log(state["value"], base) if state.get("value", 0) > 0 else low
        readout = _readout(state.get("value"), state.get("readout_format", ".3g"))
    else:
        low, high, step, value = state.get("min", 0), state.get("max", 100), state.get("step", 1), state.get("value", 0)
        default_format = "d" if name == "IntSliderModel" else ".2f"
        readout = _readout(value, state.get("readout_format", default_format))
    return (f'<label class="course-widget course-slider">{_label(state.get("description", ""))}\n'
            f'<input type="range" disabled min="{_number(low)}" max="{_number(high)}" '
            f'step="{_number(step)}" value="{_number(value)}">'
            f"<output>{_escape(readout)}</output></label>")


def _dropdown(state: dict) -> str:
    labels = state.get("_options_labels", [])
    index = state.get("index")
    options = "".join(f'<option{" selected" if i == index else ""}>{_escape(label)}</option>'
                      for i, label in enumerate(labels))
    return (f'<label class="course-widget course-choice">{_label(state.get("description", ""))}'
            f"<select disabled>{options}</select></label>")


def _checkbox(state: dict) -> str:
    checked = " checked" if state.get("value") else ""
    return (f'<label class="course-widget course-choice"><input type="checkbox" disabled{checked}>'
            f'{_label(state.get("description", ""))}</label>')


def _image(model: dict) -> str:
    state = model["state"]
    buffers = {tuple(b["path"]): b for b in model.get("buffers", [])}
    buffer = buffers.get(("value",))
    if buffer is None or buffer.get("encoding", "base64") != "base64":
        raise UnsupportedWidget("an Image widget stored without a base64 picture")
    image_format = state.get("format", "png")
    size = "".join(f' {key}="{_escape(state[key])}"' for key in ("width", "height") if state.get(key))
    return (f'<img class="course-widget" alt="the panel\'s picture as last drawn"{size} '
            f'src="data:image/{_escape(image_format)};base64,{buffer["data"]}">')


def _progress(state: dict) -> str:
    low, high = float(state.get("min", 0)), float(state.get("max", 100))
    value = float(state.get("value", low))
    return (f'<progress class="course-widget" max="{_number(high - low)}" value="{_number(value - low)}">'
            f"{_escape(round(100 * (value - low) / (high - low or 1)))}%</progress>")


def _output(state: dict) -> str:
    """An Output widget: its stored text streams and pictures."""
    parts = []
    for output in state.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(f"<pre>{_escape(''.join(output.get('text', '')))}</pre>")
            continue
        data = output.get("data", {})
        for mime in ("image/png", "image/jpeg"):
            if mime in data:
                parts.append(f'<img class="course-widget" alt="" src="data:{mime};base64,{data[mime]}">')
                break
        else:
            if "text/html" in data:
                parts.append("".join(data["text/html"]))
            elif "text/plain" in data:
                parts.append(f"<pre>{_escape(''.join(data['text/plain']))}</pre>")
    return f'<div class="course-widget course-vbox">{"".join(parts)}</div>'


_BOXES = {"HBoxModel": "course-hbox", "VBoxModel": "course-vbox", "BoxModel": "course-hbox"}
_SLIDERS = {"FloatSliderModel", "IntSliderModel", "FloatLogSliderModel", "SelectionSliderModel"}


def render_widget(model_id: str, state: dict) -> str:
    """Static HTML for the widget ``model_id`` (and its children) from the stored ``state``.

    Parameters
    ----------
    model_id : str
        The widget's model id, as in a ``widget-view`` output (``IPY_MODEL_`` prefix allowed).
    state : dict
        The notebook's widget state (:func:`widget_state`).

    Returns
    -------
    str
        HTML with no script and no external resource.

    Raises
    ------
    KeyError
        ``model_id`` (or a child of it) is not in ``state``.
    UnsupportedWidget
        A widget of a kind this module cannot draw.
    """
    model_id = _model_id(model_id)
    if model_id not in state:
        raise KeyError(f"widget {model_id!r} is not in the notebook's stored widget state")
    model = state[model_id]
    name, widget = model["model_name"], model["state"]
    if name in _BOXES:
        children = "\n".join(render_widget(child, state) for child in widget.get("children", []))
        return f'<div class="course-widget {_BOXES[name]}">\n{children}\n</div>'
    if name in _SLIDERS:
        return _slider(widget, name)
    if name == "DropdownModel":
        return _dropdown(widget)
    if name == "CheckboxModel":
        return _checkbox(widget)
    if name == "ImageModel":
        return _image(model)
    if name in ("FloatProgressModel", "IntProgressModel"):
        return _progress(widget)
    if name == "HTMLModel":  # the notebook's own markup (tqdm's bar labels, captions)
        return f'<span class="course-widget">{widget.get("value", "")}</span>'
    if name == "LabelModel":
        return f'<span class="course-widget">{_escape(widget.get("value", ""))}</span>'
    if name == "OutputModel":
        return _output(widget)
    raise UnsupportedWidget(f"no static HTML for {name} (widget {model_id})")


def has_slider(model_id: str, state: dict) -> bool:
    """Whether the widget or any of its children is a control a reader would try to move."""
    model = state.get(_model_id(model_id))
    if model is None:
        return False
    if model["model_name"] in _SLIDERS | {"DropdownModel", "CheckboxModel"}:
        return True
    return any(has_slider(child, state) for child in model["state"].get("children", []))
