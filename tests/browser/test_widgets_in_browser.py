"""The slider panels work in a real browser, as a learner meets them in JupyterLab.

nbval runs kernels, not a browser: it cannot see whether a slider moves a figure. This test
starts JupyterLab on a free localhost port with a token, opens every notebook that has a slider
in Debian's chromium (driven by playwright), runs all cells, and for every slider panel moves
the slider and checks that the figure's pixels change. It also checks that no cell shows an
error and that the page logs no JavaScript error (minus the known-benign noise in
:data:`BENIGN_CONSOLE`). Screenshots go to ``artifacts/browser/``.

Run it with ``make test-browser`` (installs chromium and playwright first). Plain ``pytest``
skips it unless ``COURSE_BROWSER=1``: it takes minutes and needs the CPU to itself.
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
from course_tools.static_widgets import WIDGET_VIEW, has_slider, widget_state
from helpers import config

ROOT = config.repo_root()
ARTIFACTS = ROOT / "artifacts" / "browser"
#: Seconds allowed for one notebook's "Run All" in quick mode (each must finish in ~3 min).
RUN_TIMEOUT = float(os.environ.get("COURSE_BROWSER_RUN_TIMEOUT", "420"))
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

    ``COURSE_BROWSER_NOTEBOOKS=folder`` tests that folder's notebooks instead (used to check that
    the test fails on broken notebooks).
    """
    folder = Path(os.environ.get("COURSE_BROWSER_NOTEBOOKS", ROOT / "notebooks"))
    return [path for path in sorted(folder.glob("[0-9][0-9]_*.ipynb"))
            if _has_slider(nbformat.read(path, as_version=4))]


def _has_slider(nb):
    """A code cell that builds a slider, or a stored panel output that shows one.

    Notebook 03 builds its panels with ``helpers.widgets`` explorers, so its code never names
    a slider; its stored outputs (from a full run) do (the rule of tests/test_notebook_structure.py).
    """
    if any(c.cell_type == "code" and "Slider" in c.source for c in nb.cells):
        return True
    state = widget_state(nb)
    return any(has_slider(output["data"][WIDGET_VIEW]["model_id"], state)
               for cell in nb.cells for output in cell.get("outputs", [])
               if WIDGET_VIEW in output.get("data", {}))


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
    log = open(ARTIFACTS / "jupyterlab.log", "w")
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
                pytest.fail(f"JupyterLab did not start; see {ARTIFACTS / 'jupyterlab.log'}")
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


def _run_all(page, name):
    """Clear outputs, run every cell (as the Run menu does) and wait until all ran or one failed.

    Returns the seconds the run took and the final state (kernel status, input prompts). Fails
    after RUN_TIMEOUT naming the notebook and the code cell still running (prompt ``[*]``).
    """
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    start = time.monotonic()
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    state, idle_polls = None, 0
    while time.monotonic() - start < RUN_TIMEOUT:
        time.sleep(0.5)
        state = page.evaluate(NOTEBOOK_STATE_JS)
        busy = state["kernel"] != "idle" or any("*" in p for p in state["prompts"])
        if not busy and all(re.search(r"\[\d+\]", p) for p in state["prompts"]):
            return time.monotonic() - start, state
        # Run All stops at a failing cell: the cells after it keep an empty prompt.
        idle_polls = 0 if busy else idle_polls + 1
        if idle_polls >= 6:
            return time.monotonic() - start, state
    running = [i for i, p in enumerate(state["prompts"]) if "*" in p] if state else []
    pytest.fail(f"{name}: Run All did not finish in {RUN_TIMEOUT:.0f} s; code cell(s) {running} still "
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
    page = browser.new_page()
    console_errors = []
    page.on("console", lambda m: console_errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(f"uncaught: {e}"))
    try:
        # A workspace of its own: the default one would reopen earlier notebooks and start their kernels.
        page.goto(f"{lab['base']}/lab/workspaces/{stem}/tree/{name}?token={lab['token']}",
                  wait_until="domcontentloaded")
        _wait_for_notebook(page, name)
        seconds, state = _run_all(page, name)
        print(f"{name}: Run All took {seconds:.1f} s in the browser")
        page.screenshot(path=str(ARTIFACTS / f"{stem}_after_run_all.png"), full_page=True)

        errors = _cell_errors(page)
        assert not errors, f"{name}: cells show errors after Run All:\n" + "\n---\n".join(errors)
        not_run = [i for i, p in enumerate(state["prompts"]) if not re.search(r"\[\d+\]", p)]
        assert not not_run, f"{name}: code cells {not_run} were not executed (prompts {state['prompts']})"

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
        page.screenshot(path=str(ARTIFACTS / f"{stem}_after_sliders.png"), full_page=True)
    finally:
        page.close()
        _shutdown_kernels(lab)
    real = [e for e in console_errors if not _benign(e)]
    (ARTIFACTS / f"{stem}_console.txt").write_text("\n".join(console_errors))
    assert not real, f"{name}: JavaScript errors in the page:\n" + "\n".join(real)
