"""Export the executed course notebooks to static HTML, with an index page: the course without a kernel.

    python -m course_tools.export_html             # notebooks/ -> site/ (`make html`)
    python -m course_tools.export_html --out DIR notebooks/01_noise_models.ipynb

The stored outputs are exported as they are (the notebooks are kept executed in full mode; see
the README); nothing is run. Open ``site/index.html`` in a browser.

The pages read offline: nothing is fetched from the network.

- Maths is typeset by a copy of MathJax 2.7 (from the ``jupyter-server-mathjax`` package) put
  in ``site/mathjax/`` beside the pages.
- Widgets (sliders, a panel's picture, progress bars) are drawn as plain HTML from the widget
  state stored in the notebook (:mod:`course_tools.static_widgets`). The sliders are shown disabled, because
  moving them needs a kernel; each live panel also has a static figure beside it.
"""

from __future__ import annotations

import argparse
import copy
import html
import re
import shutil
import sys
from pathlib import Path

from course_tools import course_notebooks, static_widgets
from helpers.colab import REPO_URL  # the one place the repository address lives
from helpers.config import repo_root

TEMPLATE = Path(__file__).resolve().parent / "templates" / "course_lab.html.j2"
#: Where the pages find MathJax, relative to themselves (see :func:`copy_mathjax`).
MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
PANEL_NOTE = ("A static copy of an interactive panel, as the notebook last drew it. "
              "Run the notebook (JupyterLab or Colab) to move the sliders.")


def title_and_summary(nb):
    """The notebook's title (its first ``# `` heading) and the first paragraph after it."""
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    lines = first.strip().splitlines()
    title = lines[0].lstrip("#").strip() if lines and lines[0].startswith("#") else "(untitled)"
    paragraphs = [p.strip() for p in "\n".join(lines[1:]).split("\n\n") if p.strip()]
    summary = re.sub(r"\s+", " ", paragraphs[0]) if paragraphs else ""
    return title, summary


def not_executed(nb):
    """Indices of code cells that were never run (exported, they would show no output)."""
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()
            and c.execution_count is None]


def colab_url(name: str) -> str:
    """The notebook opened in Google Colab straight from the public repository."""
    path = REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{path}/blob/main/notebooks/{name}"


#: A link from one course notebook to another (``04_gan.ipynb``, ``03_neural_networks.ipynb#fid``).
NOTEBOOK_LINK = re.compile(r'href="(\d\d_[a-z0-9_]+)\.ipynb(#[^"]*)?"')


def link_pages(body: str) -> str:
    """Point links between notebooks at the exported pages: ``NN_topic.ipynb#x`` -> ``NN_topic.html#x``.

    >>> link_pages('<a href="03_neural_networks.ipynb#fid">FID</a> <a href="https://x.org/a.ipynb">x</a>')
    '<a href="03_neural_networks.html#fid">FID</a> <a href="https://x.org/a.ipynb">x</a>'
    """
    return NOTEBOOK_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)


def static_widget_outputs(nb):
    """A copy of ``nb`` whose widget outputs are plain HTML, drawn from its stored widget state.

    The copy has no widget state left in its metadata, so the exporter adds no widget renderer.
    Returns the copy and a list of problems (widgets that could not be drawn; each is replaced
    by a note saying the panel needs a kernel).
    """
    nb = copy.deepcopy(nb)
    state = static_widgets.widget_state(nb)
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(static_widgets.WIDGET_VIEW)
            if view is None:
                continue
            model_id = view.get("model_id", "")
            try:
                body = static_widgets.render_widget(model_id, state)
                note = PANEL_NOTE if static_widgets.has_slider(model_id, state) else ""
            except (KeyError, static_widgets.UnsupportedWidget) as error:
                problems.append(f"cell {index}: {error}")
                body, note = "", "An interactive panel: run the notebook to see it."
            note_html = f'<p class="course-widget-note">{html.escape(note)}</p>' if note else ""
            output["data"] = {"text/html": f'<div class="course-widget-static">{note_html}{body}</div>'}
    nb.metadata.pop("widgets", None)
    return nb, problems


def copy_mathjax(out: Path) -> Path:
    """Copy MathJax 2.7 (from the ``jupyter-server-mathjax`` package) to ``out/mathjax``."""
    try:
        import jupyter_server_mathjax
    except ImportError as error:
        raise SystemExit("the HTML export needs jupyter-server-mathjax (pyproject's `lab` group): "
                         "run `make setup`") from error
    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target = out / "mathjax"
    shutil.copytree(source, target, dirs_exist_ok=True)  # every time: 12 MB, a fraction of a second
    return target


def export(paths, out: Path):
    """Write ``out/NN_topic.html`` for every notebook and ``out/index.html``; return the written paths."""
    import nbformat
    from nbconvert import HTMLExporter

    out.mkdir(parents=True, exist_ok=True)
    copy_mathjax(out)
    exporter = HTMLExporter(template_name="lab", extra_template_paths=[str(TEMPLATE.parent)],
                            template_file=TEMPLATE.name, mathjax_url=MATHJAX_URL)
    entries, written = [], []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        missing = not_executed(nb)
        if missing:
            print(f"warning: {path.name}: code cells {missing} have not been run; their output is missing",
                  file=sys.stderr)
        title, summary = title_and_summary(nb)
        nb, problems = static_widget_outputs(nb)
        for problem in problems:
            print(f"warning: {path.name}: {problem}", file=sys.stderr)
        body, _ = exporter.from_notebook_node(nb, resources={
            "metadata": {"name": title}, "course_widget_css": static_widgets.STYLE})
        body = link_pages(body)
        target = out / f"{path.stem}.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
        entries.append((target.name, title, summary, path.name))
        print(f"{path.name} -> {target} ({target.stat().st_size / 1e6:.1f} MB)")
    from nbconvert.filters.markdown import markdown2html

    items = "\n".join(
        f'<li><a href="{html.escape(href)}">{html.escape(title)}</a>'
        f' <small>(<a href="{html.escape(colab_url(name))}">open in Colab</a>)</small>'
        f"<div>{markdown2html(summary)}</div></li>"
        for href, title, summary, name in entries)
    index = out / "index.html"
    index.write_text(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Image Generation with Python</title>
<style>body {{ font-family: sans-serif; max-width: 48em; margin: 2em auto; padding: 0 1em; line-height: 1.5; }}
li {{ margin-bottom: 1em; }} li div {{ color: #444; }}</style></head>
<body>
<h1>Image Generation with Python</h1>
<p>The course's notebooks with their stored outputs, to read without Python. The sliders need a
running kernel: open a notebook in JupyterLab (<code>make lab</code>) or in Colab to move them.
Source: <a href="{html.escape(REPO_URL)}">{html.escape(REPO_URL)}</a>.</p>
<ol>
{items}
</ol>
</body></html>
""", encoding="utf-8")
    written.append(index)
    print(f"index -> {index}")
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to export (default: all of notebooks/)")
    parser.add_argument("--out", type=Path, default=repo_root() / "site", help="output folder (default site/)")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or course_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    export(paths, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
