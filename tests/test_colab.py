"""helpers.colab and the Colab branch of the shared setup cell."""

import re
import sys
import tomllib

import pytest

from helpers import colab, config

from helpers.colab import REPO_URL, SETUP_CELL

#: pip names in pyproject that Colab knows under another name.
COLAB_NAME = {"tensorflow-cpu": "tensorflow"}


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def test_requirements_cover_what_the_course_installs():
    project = tomllib.loads((config.repo_root() / "pyproject.toml").read_text())["project"]
    needed = {normalise(COLAB_NAME.get(r.split("==")[0], r.split("==")[0]))
              for r in project["dependencies"] + project["optional-dependencies"]["dl"]}
    assert {normalise(d) for d in colab.REQUIREMENTS.values()} == needed


def test_requirements_import_names_are_importable_here():
    """The import names are right: in the course's own environment nothing is missing."""
    assert colab.missing_packages() == []


def test_setup_installs_only_what_is_missing(monkeypatch):
    monkeypatch.setattr(colab, "REQUIREMENTS", {"numpy": "numpy", "no_such_module_h8": "no-such-dist"})
    calls = []
    missing = colab.setup(enable_widgets=False, run=calls.append)
    assert missing == ["no-such-dist"]
    assert len(calls) == 1 and calls[0][-1] == "no-such-dist" and "numpy" not in calls[0]
    assert calls[0][:4] == [sys.executable, "-m", "pip", "install"]


def test_setup_installs_nothing_when_all_is_there(monkeypatch):
    monkeypatch.setattr(colab, "REQUIREMENTS", {"numpy": "numpy"})
    calls = []
    assert colab.setup(enable_widgets=False, run=calls.append) == []
    assert calls == []


def test_setup_needs_colab_for_the_widget_manager(monkeypatch):
    monkeypatch.setattr(colab, "REQUIREMENTS", {})
    with pytest.raises(ImportError):
        colab.setup()


def test_missing_packages_rejects_a_list():
    with pytest.raises(TypeError, match="requirements"):
        colab.missing_packages(["numpy"])


def test_setup_cell_clones_the_one_repository_and_keeps_colabs_packages():
    assert REPO_URL.startswith("https://github.com/") and f'REPO_URL = "{REPO_URL}"' in SETUP_CELL
    assert "git clone" in SETUP_CELL and "colab.setup()" in SETUP_CELL
    assert "pip install" not in SETUP_CELL  # pinned installs would replace Colab's own numpy, TF...


COLAB_LINK = re.compile(r"https://colab\.research\.google\.com/github/([^/\s]+/[^/\s]+)/blob/([^/\s]+)/([^\s)`\"'>]+)")


def test_colab_links_in_the_docs_open_existing_notebooks_of_the_repository():
    """Every "Open in Colab" link (README, docs/) names REPO_URL's repository and a notebook that exists."""
    root = config.repo_root()
    repository = REPO_URL.removeprefix("https://github.com/")
    for doc in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        for match in COLAB_LINK.finditer(doc.read_text()):
            repo, branch, path = match.groups()
            assert repo == repository, f"{doc.name}: {match[0]} does not point to {REPO_URL}"
            assert branch == "main", f"{doc.name}: {match[0]} is not on the main branch"
            assert (root / path).is_file(), f"{doc.name}: {match[0]}: no file {path}"
