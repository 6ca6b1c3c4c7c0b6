"""The slider panels work in a real browser, as a learner meets them in JupyterLab.

nbval runs kernels, not a browser: it cannot see whether a slider moves a figure. This test
starts JupyterLab on a free localhost port with a token and opens every notebook that has a
slider in Debian's chromium (driven by playwright), one page per notebook. For each notebook:

1. **Stored outputs.** The notebook opens as committed (outputs of its full-mode run): no stored
   output is an error and no stored widget fails to render ("Error displaying widget").
2. **Live kernel.** JupyterLab's own "run selected cells" runs, in order, the cells that show a
   slider and the cells those need (:func:`course_tools.cell_deps.needed_cells`: the cells that
   bind the names they read; the setup cell and cells tagged ``browser`` always). Every one must
   end without an error, numbered 1, 2, 3, ... by the new kernel. The other cells (training,
   benchmarks) are not run a second time: nbval has run every cell of every notebook in
   ``make test``. ``COURSE_BROWSER_RUN_ALL=1`` runs every cell instead (Run All, outputs cleared
   first), as the test did before issue 15.
3. **Sliders.** Every slider panel (a widget output holding a slider) gets its slider moved with
   the keyboard; its figure's pixels must change within :data:`REDRAW_TIMEOUT` and keep their size.

Throughout, the page must log no JavaScript error (minus the known-benign noise in
:data:`BENIGN_CONSOLE`). Each notebook prints how long it took to open, run and check its
sliders. Screenshots go to ``artifacts/browser/``.

Run it with ``make test-browser`` (installs chromium and playwright first). Plain ``pytest``
skips it unless ``COURSE_BROWSER=1``: it takes a few minutes and needs the CPU to itself.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest

from chromium import CHROMIUM, CHROMIUM_FLAGS, skip_reason
from course_tools import cell_deps
from helpers import config

ROOT = config.repo_root()
ARTIFACTS = ROOT / "artifacts" / "browser"
#: Seconds allowed for running one notebook's cells in quick mode (each must finish in ~3 min).
RUN_TIMEOUT = float(os.environ.get("COURSE_BROWSER_RUN_TIMEOUT", "420"))
#: Run every cell (Run All) instead of the cells the sliders need.
RUN_ALL = os.environ.get("COURSE_BROWSER_RUN_ALL", "") == "1"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Seconds allowed for a figure to change after a slider moved (a kernel round trip + redraw).
REDRAW_TIMEOUT = 30.0
#: Console errors that are not the course's fault. Each entry: (regex, why it is benign).
BENIGN_CONSOLE = [
    # The browser asks the server for /favicon.ico-like resources or JupyterLab's optional
    # endpoints (e.g. the news feed, the extension manager's PyPI listing) that do not exist
    # or cannot reach the internet on a closed network.
    (r"Failed to load resource: the server responded with a status of 404", "optional resource missing"),
    (r"Failed to load resource: net::ERR_(INTERNET_DISCONNECTED|NAME_NOT_RESOLVED|CONNECTION_REFUSED)",
     "no internet (closed network)"),
]


def slider_notebooks():
    """Every course notebook with a slider (the rule tests/test_notebook_structure.py enforces).

    A slider is found in the stored widget state or as ``Slider`` in a cell's source (see
    :func:`_shows_slider`), so panels made by a helper (``noise_explorer``) count.
    ``COURSE_BROWSER_NOTEBOOKS=folder`` tests that folder's notebooks instead (used to check that
    the test fails on broken notebooks).
    """
    folder = Path(os.environ.get("COURSE_BROWSER_NOTEBOOKS", ROOT / "notebooks"))
    found = []
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if any(c.cell_type == "code" and _shows_slider(nb, c) for c in nb.cells):
            found.append(path)
    return found


def _shows_slider(nb, cell):
    """Whether a code cell shows a slider: in its stored widget state, or ``Slider`` in its source."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})

    def holds_slider(model_id, seen):
        if model_id in seen or model_id not in state:
            return False
        seen.add(model_id)
        model = state[model_id]
        if model.get("model_name", "").endswith("SliderModel"):
            return True
        refs = [v for value in model.get("state", {}).values()
                for v in (value if isinstance(value, list) else [value])
                if isinstance(v, str) and v.startswith("IPY_MODEL_")]
        return any(holds_slider(ref[len("IPY_MODEL_"):], seen) for ref in refs)

    views = [o.get("data", {}).get(WIDGET_VIEW) for o in cell.get("outputs", [])]
    return "Slider" in cell.source or any(v and holds_slider(v.get("model_id"), set()) for v in views)


def cells_to_run(path):
    """(indices among the code cells to run in the browser, indices of the cells showing a slider)."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    sliders = [i for i, c in enumerate(code) if _shows_slider(nb, c)]
    if RUN_ALL:
        return list(range(len(code))), sliders
    always = [i for i, c in enumerate(code) if {"setup", "browser"} & set(c.metadata.get("tags", []))]
    return cell_deps.needed_cells([c.source for c in code], sliders, always), sliders


pytestmark = [pytest.mark.browser, pytest.mark.skipif(skip_reason() is not None, reason=str(skip_reason()))]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def _write_lab_settings(settings_dir: Path):
    """User settings: keep every cell in the DOM and never reach out to the internet."""
    settings = {
        # All cells stay in the DOM (windowing would drop cells scrolled out of view).
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        # No news feed nor update check: they fetch from the internet.
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False},
    }
    for name, value in settings.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of notebooks/ (autosave must not touch the repository's files)."""
    work = tmp_path_factory.mktemp("lab")
    root = work / "notebooks"
    root.mkdir()
    for path in slider_notebooks():
        shutil.copy(path, root / path.name)
    settings = work / "settings"
    _write_lab_settings(settings)
    port, token = _free_port(), os.urandom(16).hex()
    env = dict(os.environ, COURSE_QUICK=os.environ.get("COURSE_QUICK", "1"),
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(work / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(work / "runtime"), MPLBACKEND="module://matplotlib_inline.backend_inline")
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--LabApp.collaborative=False"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # one server per pytest-xdist worker (make test-browser runs two): one log each
    log_path = ARTIFACTS / f"jupyterlab{os.environ.get('PYTEST_XDIST_WORKER', '')}.log"
    log = open(log_path, "w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            _get(f"{base}/api/status?token={token}")
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.close()
                server.kill()
                pytest.fail(f"JupyterLab did not start; see {log_path}")
            time.sleep(0.5)
    yield {"base": base, "token": token}
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's chromium in a fresh profile, driven by playwright (which cannot download browsers here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 1000})
        yield context
        context.close()


def _benign(text):
    return any(re.search(pattern, text) for pattern, _ in BENIGN_CONSOLE)


def _png_pixels(png: bytes):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def _difference(a: bytes, b: bytes) -> float:
    """Mean absolute pixel difference of two screenshots (inf when their sizes differ)."""
    pa, pb = _png_pixels(a), _png_pixels(b)
    if pa.shape != pb.shape:
        return float("inf")
    return float(np.abs(pa - pb).mean())


NOTEBOOK_STATE_JS = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    const prompts = [...panel.node.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
        .map(e => e.textContent.trim());
    return {kernel: kernel ? kernel.status : null, prompts: prompts};
}"""


def _wait_for_notebook(page, name):
    page.wait_for_function(
        """(name) => window.jupyterapp && window.jupyterapp.shell.currentWidget
            && window.jupyterapp.shell.currentWidget.context
            && window.jupyterapp.shell.currentWidget.context.path.endsWith(name)
            && window.jupyterapp.shell.currentWidget.sessionContext.session
            && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel
            && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'""",
        arg=name, timeout=120_000)


RUN_CELLS_JS = """([indices, clear]) => {
    const app = window.jupyterapp;
    const notebook = app.shell.currentWidget.content;
    const code = notebook.widgets.filter(cell => cell.model.type === 'code');
    const start = () => {
        notebook.activeCellIndex = notebook.widgets.indexOf(code[indices[0]]);
        notebook.deselectAll();
        for (const i of indices) notebook.select(code[i]);
        // JupyterLab's "Run Selected Cells": the cells go to the kernel in order; after an error
        // the kernel skips the rest (stop on error), as with Run All.
        return app.commands.execute('notebook:run-cell');
    };
    window.__courseRun = 'running';
    (clear ? app.commands.execute('notebook:clear-all-cell-outputs').then(start) : start()).then(
        ok => { window.__courseRun = ok === false ? 'failed' : 'done'; },
        error => { window.__courseRun = 'error: ' + error; });
}"""

RUN_STATE_JS = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    const code = panel.content.widgets.filter(cell => cell.model.type === 'code');
    return {run: window.__courseRun, kernel: kernel ? kernel.status : null,
            counts: code.map(cell => cell.model.executionCount),
            prompts: code.map(cell => cell.node.querySelector('.jp-InputArea-prompt').textContent.trim())};
}"""


def _run_cells(page, name, indices):
    """Run the code cells ``indices`` (0-based among code cells) in JupyterLab, in order; wait for the end.

    With :data:`RUN_ALL` every cell runs, outputs cleared first (the Run menu's Run All). Returns
    the seconds it took and the final state (``run``: done/failed, kernel status, execution
    counts and prompts of every code cell). Fails after :data:`RUN_TIMEOUT` naming the notebook
    and the code cell still running (prompt ``[*]``).
    """
    start = time.monotonic()
    page.evaluate(RUN_CELLS_JS, [indices, RUN_ALL])
    state = None
    while time.monotonic() - start < RUN_TIMEOUT:
        time.sleep(0.5)
        state = page.evaluate(RUN_STATE_JS)
        if state["run"] != "running":
            return time.monotonic() - start, state
    running = [i for i, p in enumerate(state["prompts"]) if "*" in p] if state else []
    pytest.fail(f"{name}: the cells did not finish in {RUN_TIMEOUT:.0f} s; code cell(s) {running} still "
                f"running (0-based among code cells); kernel {state and state['kernel']}; prompts {state and state['prompts']}")


def _cell_errors(page):
    """Error outputs (tracebacks, from the notebook's model) and widgets that failed to render, as text.

    JupyterLab renders an error output like stderr text, so the DOM alone cannot tell them apart;
    the model keeps the output type.
    """
    return page.evaluate("""() => {
        const panel = window.jupyterapp.shell.currentWidget;
        const cells = panel.content.model.cells;
        const errors = [];
        for (let i = 0; i < cells.length; i++) {
            const cell = cells.get(i);
            if (cell.type !== 'code') continue;
            for (let j = 0; j < cell.outputs.length; j++) {
                const output = cell.outputs.get(j).toJSON();
                if (output.output_type === 'error') {
                    errors.push(`cell ${i}: ${output.ename}: ${output.evalue}`);
                }
            }
        }
        const widgets = [...panel.node.querySelectorAll('.jp-OutputArea-output')]
            .filter(e => /Error displaying widget|Failed to load model|Javascript Error/.test(e.innerText))
            .map(e => e.innerText.slice(0, 300));
        return errors.concat(widgets);
    }""")


def _shutdown_kernels(lab):
    for session in _get(f"{lab['base']}/api/sessions?token={lab['token']}"):
        request = urllib.request.Request(
            f"{lab['base']}/api/sessions/{session['id']}?token={lab['token']}", method="DELETE")
        urllib.request.urlopen(request, timeout=10).close()


@pytest.mark.parametrize("path", slider_notebooks(), ids=lambda p: p.name)
def test_sliders_redraw_their_figures_in_jupyterlab(path, lab, browser):
    from playwright.sync_api import Error as PlaywrightError

    name = path.name
    stem = path.stem
    run, sliders = cells_to_run(path)
    state = None
    page = browser.new_page()
    console_errors = []
    page.on("console", lambda m: console_errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(f"uncaught: {e}"))
    times = {}
    try:
        clock = time.monotonic()
        # A workspace of its own: the default one would reopen earlier notebooks and start their kernels.
        page.goto(f"{lab['base']}/lab/workspaces/{stem}/tree/{name}?token={lab['token']}",
                  wait_until="domcontentloaded")
        _wait_for_notebook(page, name)
        times["open"] = time.monotonic() - clock
        if not RUN_ALL:
            errors = _cell_errors(page)
            assert not errors, f"{name}: the stored outputs show errors:\n" + "\n---\n".join(errors)

        times["run"], state = _run_cells(page, name, run)
        page.screenshot(path=str(ARTIFACTS / f"{stem}_after_run.png"), full_page=True)
        errors = _cell_errors(page)
        assert not errors, f"{name}: cells show errors after running:\n" + "\n---\n".join(errors)
        counts = [state["counts"][i] for i in run]
        assert state["run"] == "done" and counts == list(range(1, len(run) + 1)), (
            f"{name}: code cells {run} should have run in this order as 1..{len(run)}; execution counts "
            f"{counts}; run {state['run']}; kernel {state['kernel']}")
        clock = time.monotonic()

        # A panel: a widget displayed as a cell's output (not one nested in an Output widget)
        # that holds a slider; its figure is the first <img> inside it.
        panels = page.locator(
            ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell-outputArea > .jp-OutputArea-child > "
            ".jp-OutputArea-output").filter(has=page.locator(".widget-slider"))
        assert panels.count() >= 1, f"{name}: no slider rendered in the browser"
        for k in range(panels.count()):
            output = panels.nth(k)
            figures = output.locator("img")
            assert figures.count() >= 1, f"{name}: slider panel {k} shows no figure (<img>)"
            figure = figures.first
            figure.scroll_into_view_if_needed()
            before = figure.screenshot(path=str(ARTIFACTS / f"{stem}_panel{k}_before.png"))
            handle = output.locator(".widget-slider .noUi-handle").first
            value_before = handle.get_attribute("aria-valuenow")
            low, high, now = (float(handle.get_attribute(a)) for a in
                              ("aria-valuemin", "aria-valuemax", "aria-valuenow"))
            handle.focus()
            # To the farther end of the slider (Home/End, as a keyboard user would): a large change.
            handle.press("End" if high - now >= now - low else "Home")
            if handle.get_attribute("aria-valuenow") == value_before:
                for _ in range(10):
                    handle.press("ArrowRight" if high - now >= now - low else "ArrowLeft")
            value_after = handle.get_attribute("aria-valuenow")
            assert value_after != value_before, f"{name}: panel {k}: the slider did not move with the keyboard"
            deadline = time.monotonic() + REDRAW_TIMEOUT
            change, after = 0.0, before
            while time.monotonic() < deadline:
                time.sleep(0.5)
                try:  # an Output widget replaces its <img>: it may vanish while we look
                    after = output.locator("img").first.screenshot(timeout=5_000)
                except PlaywrightError:
                    continue
                change = _difference(before, after)
                if change > 0.5 and change != float("inf"):
                    break
            (ARTIFACTS / f"{stem}_panel{k}_after.png").write_bytes(after)
            # A panel redraws its own figure: a picture of another size is another figure
            # (e.g. the callback drew into a global `fig` that a later cell re-bound).
            assert _png_pixels(after).shape == _png_pixels(before).shape, (
                f"{name}: panel {k}: after the slider moved the panel shows a figure of another size "
                f"({_png_pixels(before).shape[:2]} -> {_png_pixels(after).shape[:2]}); see {ARTIFACTS}")
            print(f"{name}: panel {k}: slider {value_before} -> {value_after}, "
                  f"mean pixel change {change:.2f}")
            assert change > 0.5, (f"{name}: panel {k}: the figure did not change within {REDRAW_TIMEOUT:.0f} s "
                                  f"after the slider moved from {value_before} to {value_after}")
        errors = _cell_errors(page)
        assert not errors, f"{name}: cells show errors after moving sliders:\n" + "\n---\n".join(errors)
        times["sliders"] = time.monotonic() - clock
        page.screenshot(path=str(ARTIFACTS / f"{stem}_after_sliders.png"), full_page=True)
    finally:
        clock = time.monotonic()
        page.close()
        _shutdown_kernels(lab)
        times["close"] = time.monotonic() - clock
        print(f"{name}: ran {len(run)} of {len(state['counts']) if state else '?'} code cells "
              f"(sliders in {[i for i in sliders]}); " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
    real = [e for e in console_errors if not _benign(e)]
    (ARTIFACTS / f"{stem}_console.txt").write_text("\n".join(console_errors))
    assert not real, f"{name}: JavaScript errors in the page:\n" + "\n".join(real)
