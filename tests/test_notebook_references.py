"""Every file that names a notebook names one that exists.

The notebooks were renumbered once (03_gan -> 04_gan, 04_vae -> 05_vae when 03_neural_networks
arrived); a link, a table row or a sentence left behind would send learners to a notebook that is
not there. Two kinds of reference are checked in every text file of the repository and in the
sources and text outputs of every notebook:

- file names: ``04_gan``, ``04_gan.ipynb`` (``NN_topic``);
- numbers in prose: "notebook 04", "notebooks 04 and 05", "(notebooks 00–02)", "## 04 · GANs".
"""

import json
import re
from pathlib import Path

from helpers import config

ROOT = config.repo_root()
#: Folders that are not the course's own text (environments, build products, caches).
SKIPPED_DIRS = {".git", ".venv", "artifacts", "site", "build", "checkpoints", "__pycache__",
                ".pytest_cache", ".ipynb_checkpoints", "node_modules"}
#: Tests that build throw-away notebooks with made-up names in a temporary folder.
SKIPPED_FILES = {"tests/test_course_scripts.py", "tests/test_static_html.py",
                 "tests/test_notebook_references.py"}
TEXT_SUFFIXES = {".py", ".md", ".ipynb", ".j2", ".yml", ".yaml", ".toml", ".sh", ".cfg", ".txt", ""}

FILE_NAME = re.compile(r"(?<![\w.-])(\d\d)_([a-z][a-z0-9_]*[a-z0-9])(?:\.ipynb)?\b")
NUMBER = r"(\d\d)"
IN_PROSE = [
    # "notebook 04", "Notebooks 04 and 05", "notebooks 00–02", "notebooks 04, 05 and 06"
    re.compile(r"\b[Nn]otebooks? (\d\d(?:(?:\s*(?:,|and|–|-|to)\s*)\d\d)*)\b"),
    # headings of the instructor guide and titles: "## 04 · GANs", "# 04 · Generative ..."
    re.compile(r"^#+ (\d\d) · ", re.M),
]


def notebook_names(root=ROOT):
    """``{"00": "00_start_here", ...}`` for the notebooks that exist under ``root/notebooks``."""
    return {p.stem[:2]: p.stem for p in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))}


def texts(root=ROOT):
    """``(relative path, text)`` for every text file; notebooks give their sources and text outputs."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if (path.is_dir() or any(part in SKIPPED_DIRS or part.endswith(".egg-info") for part in rel.parts)
                or rel.as_posix() in SKIPPED_FILES or path.suffix not in TEXT_SUFFIXES):
            continue
        if path.suffix == ".ipynb":
            nb = json.loads(path.read_text(encoding="utf-8"))
            parts = []
            for cell in nb["cells"]:
                parts.append("".join(cell["source"]))
                for output in cell.get("outputs", []):
                    parts.append("".join(output.get("text", "")))
                    parts.append("".join(output.get("data", {}).get("text/plain", "")))
                    parts.append("".join(output.get("data", {}).get("text/markdown", "")))
            yield rel.as_posix(), "\n".join(parts)
        else:
            try:
                yield rel.as_posix(), path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


def broken_references(root=ROOT):
    """Every ``(file, reference)`` that names a notebook missing from ``root/notebooks``."""
    names = notebook_names(root)
    broken = []
    for rel, text in texts(root):
        for match in FILE_NAME.finditer(text):
            number, name = match.group(1), f"{match.group(1)}_{match.group(2)}"
            if names.get(number) != name:
                broken.append((rel, match.group(0)))
        for pattern in IN_PROSE:
            for match in pattern.finditer(text):
                for number in re.findall(NUMBER, match.group(1)):
                    if number not in names:
                        broken.append((rel, match.group(0)))
    return sorted(set(broken))


def test_every_named_notebook_exists():
    assert broken_references() == []


def test_a_stale_reference_is_found(tmp_path):
    """The check fails on the kinds of reference the renumbering could leave behind."""
    (tmp_path / "notebooks").mkdir()
    for name in ("00_start_here", "04_gan"):
        (tmp_path / "notebooks" / f"{name}.ipynb").write_text(json.dumps({"cells": []}))
    (tmp_path / "README.md").write_text(
        "Open `04_gan.ipynb` (notebook 04), then `03_gan.ipynb`; notebooks 00 and 05 follow.\n"
        "## 09 · Nothing\nThe folder artifacts/04_gan is fine, 05_vae is not.\n")
    found = broken_references(tmp_path)
    assert found == sorted([("README.md", "03_gan.ipynb"), ("README.md", "notebooks 00 and 05"),
                            ("README.md", "## 09 · "), ("README.md", "05_vae")]), found


#: A link to a section of a notebook in markdown: ``(03_neural_networks.ipynb#adam)``.
SECTION_LINK = re.compile(r"\]\((\d\d_[a-z0-9_]+)\.ipynb#([^)\s]+)\)")


def broken_section_links(root=ROOT):
    """Every ``(notebook, link)`` whose target notebook has no ``<a id="...">`` anchor of that name."""
    anchors, links = {}, []
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        sources = ["".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
                   if c["cell_type"] == "markdown"]
        anchors[path.stem] = {a for s in sources for a in re.findall(r'<a id="([^"]+)"', s)}
        links += [(path.name, m.group(1), m.group(2)) for s in sources for m in SECTION_LINK.finditer(s)]
    return [(name, f"{target}.ipynb#{anchor}") for name, target, anchor in links
            if anchor not in anchors.get(target, set())]


def test_links_to_sections_reach_an_anchor():
    """Notebooks 04 and 05 link to the sections of 03 that explain a layer or term: each anchor exists."""
    assert broken_section_links() == []


def test_a_broken_section_link_is_found(tmp_path):
    (tmp_path / "notebooks").mkdir()

    def notebook(*markdown):
        return json.dumps({"cells": [{"cell_type": "markdown", "source": m} for m in markdown]})

    (tmp_path / "notebooks" / "03_nn.ipynb").write_text(notebook('<a id="adam"></a>\n### Adam'))
    (tmp_path / "notebooks" / "04_gan.ipynb").write_text(notebook(
        "[Adam](03_nn.ipynb#adam), [β₁](03_nn.ipynb#beta), [a gap](05_vae.ipynb#elbo)"))
    assert broken_section_links(tmp_path) == [("04_gan.ipynb", "03_nn.ipynb#beta"),
                                              ("04_gan.ipynb", "05_vae.ipynb#elbo")]
