"""The static HTML export reads offline in a real browser: maths typeset, pictures and panels shown.

``make html`` writes ``site/``; a reader may open it on a laptop with no network (a workshop
room, a train). This test exports every course notebook to a temporary folder, opens each page
from ``file://`` in Debian's chromium with every non-file request refused, and checks that

- nothing was requested from the network (and nothing failed to load),
- MathJax typeset the maths with its web fonts (no raw ``$…$`` left, no TeX error),
- every picture decoded (stored figures and the panels' last drawings),
- every widget output became static HTML (a disabled slider row, a picture, a progress bar),
- the page logged no JavaScript error beyond MathJax's own font probe (:data:`BENIGN_CONSOLE`).

Full-page screenshots go to ``artifacts/browser/html/``.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from chromium import CHROMIUM, CHROMIUM_FLAGS, skip_reason
from helpers import config

ROOT = config.repo_root()
ARTIFACTS = ROOT / "artifacts" / "browser" / "html"
from course_tools import export_html, static_widgets  # noqa: E402

#: Console errors that are not a defect of the pages. Each entry: (regex, why it is benign).
BENIGN_CONSOLE = [
    # MathJax 2's HTML-CSS output declares a "MathJax_Blank" font at about:blank to time how web
    # fonts load; a file:// page may not fetch it, by design of the probe. The real fonts load.
    (r"Access to font at 'about:blank'", "MathJax's font-loading probe"),
    (r"Failed to load resource: net::ERR_FAILED", "the same probe, reported a second time"),
]
#: Milliseconds allowed for MathJax to typeset one page (about 2 s on this 2-core machine).
TYPESET_TIMEOUT_MS = 60_000

pytestmark = [pytest.mark.browser, pytest.mark.skipif(skip_reason() is not None, reason=str(skip_reason()))]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Every course notebook exported, as ``make html`` does it."""
    out = tmp_path_factory.mktemp("site")
    export_html.export(export_html.course_notebooks(), out)
    return out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def open_offline(browser, url):
    """A page opened with every request that is not file: or data: refused; returns (page, log)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    log = {"network": [], "failed": [], "console": []}

    def refuse_network(route):
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            log["network"].append(route.request.url)
            route.abort()

    context.route("**/*", refuse_network)
    page = context.new_page()
    page.on("console", lambda message: log["console"].append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: log["console"].append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: log["failed"].append(request.url))
    page.goto(url)
    return page, log


def widget_views(path):
    nb = nbformat.read(path, as_version=4)
    return sum(static_widgets.WIDGET_VIEW in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


PAGE_FACTS = """() => ({
  maths: document.querySelectorAll('.MathJax, .MathJax_Display').length,
  texErrors: document.querySelectorAll('.MathJax_Error, merror').length,
  fontInUse: MathJax.OutputJax['HTML-CSS'] ? MathJax.OutputJax['HTML-CSS'].fontInUse : null,
  stixLoaded: Array.from(document.fonts).some(f => f.family.startsWith('STIXMathJax') && f.status === 'loaded'),
  rawMaths: Array.from(document.querySelectorAll('.jp-MarkdownOutput'))
      .map(e => e.innerText).filter(t => /\\$[^$\\s][^$]*\\$/.test(t)).map(t => t.slice(0, 80)),
  images: document.images.length,
  brokenImages: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).length,
  staticWidgets: document.querySelectorAll('.course-widget-static').length,
  disabledSliders: document.querySelectorAll('.course-slider input[type=range][disabled]').length,
})"""


def notebook_has_maths(path):
    """Whether any markdown cell of the notebook holds TeX maths between dollar signs."""
    nb = nbformat.read(path, as_version=4)
    return any(re.search(r"\$[^$\n]+\$", cell.source) for cell in nb.cells if cell.cell_type == "markdown")


@pytest.mark.parametrize("path", export_html.course_notebooks(), ids=lambda p: p.stem)
def test_exported_page_reads_offline(path, site, browser):
    page, log = open_offline(browser, (site / f"{path.stem}.html").as_uri())
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # A notebook without $...$ maths has nothing to typeset: MathJax must still load and finish.
    has_maths = notebook_has_maths(path)
    try:
        try:
            page.wait_for_function("window.MathJax && MathJax.Hub && MathJax.Hub.queue && MathJax.Hub.queue.pending === 0"
                                   + (" && document.querySelectorAll('.MathJax, .MathJax_Display').length > 0"
                                      if has_maths else ""),
                                   timeout=TYPESET_TIMEOUT_MS)
        except PlaywrightTimeout:
            pytest.fail(f"MathJax typeset nothing in {TYPESET_TIMEOUT_MS / 1000:.0f} s; requests refused: "
                        f"{log['network'][:3]}; failed: {log['failed'][:3]}; console: {log['console'][:3]}")
        page.wait_for_load_state("load")
        facts = page.evaluate(PAGE_FACTS)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{path.stem}.png"), full_page=True)
    finally:
        page.context.close()
    assert log["network"] == [], f"the page asked the network for {log['network'][:5]}"
    assert [url for url in log["failed"] if url != "about:blank"] == []
    assert facts["texErrors"] == 0
    if has_maths:
        assert facts["maths"] > 0
        assert facts["fontInUse"] == "STIX-Web" and facts["stixLoaded"], "MathJax fell back from its web fonts"
    assert facts["rawMaths"] == [], "maths left untypeset"
    assert facts["images"] > 0 and facts["brokenImages"] == 0
    assert facts["staticWidgets"] == widget_views(path) > 0
    if "Slider" in path.read_text():
        assert facts["disabledSliders"] > 0
    errors = [text for text in log["console"] if not any(re.search(p, text) for p, _ in BENIGN_CONSOLE)]
    assert errors == [], f"JavaScript errors: {errors[:5]}"


def test_index_links_every_page(site, browser):
    page, log = open_offline(browser, (site / "index.html").as_uri())
    try:
        links = page.eval_on_selector_all("ol > li > a:first-child", "anchors => anchors.map(a => a.href)")
    finally:
        page.context.close()
    assert [link.rsplit("/", 1)[-1] for link in links] == [f"{p.stem}.html" for p in export_html.course_notebooks()]
    assert all((site / link.rsplit("/", 1)[-1]).is_file() for link in links)
    assert log["network"] == [] and log["console"] == []
