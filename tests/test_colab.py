"""helpers.colab and the Colab branch of the shared setup cell."""

import re
import sys
import tomllib

import pytest

from course_tools import course_notebooks
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


def link_problems(docs):
    """What is wrong with the "Open in Colab" links of ``docs`` ({name: text}); the README must link every notebook."""
    root = config.repo_root()
    repository = REPO_URL.removeprefix("https://github.com/")
    problems, linked = [], set()
    for name, text in docs.items():
        for match in COLAB_LINK.finditer(text):
            repo, branch, path = match.groups()
            if repo != repository:
                problems.append(f"{name}: {match[0]} does not point to {REPO_URL}")
            if branch != "main":
                problems.append(f"{name}: {match[0]} is not on the main branch")
            if not (root / path).is_file():
                problems.append(f"{name}: {match[0]}: no file {path}")
            if name == "README.md":
                linked.add(path)
    for notebook in course_notebooks():
        if f"notebooks/{notebook.name}" not in linked:
            problems.append(f"README.md has no Colab link to notebooks/{notebook.name}")
    return problems


def test_colab_links_in_the_docs_open_every_notebook_of_the_repository():
    """Every "Open in Colab" link (README, docs/) names REPO_URL's repository and a notebook that exists,
    and the README links every course notebook."""
    root = config.repo_root()
    docs = {doc.name: doc.read_text() for doc in [root / "README.md", *sorted((root / "docs").glob("*.md"))]}
    assert link_problems(docs) == []


def test_a_missing_or_wrong_colab_link_is_reported():
    readme = (config.repo_root() / "README.md").read_text()
    first = course_notebooks()[0].name
    without = re.sub(rf"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*{first}\)", "", readme)
    assert link_problems({"README.md": without}) == [f"README.md has no Colab link to notebooks/{first}"]
    wrong = readme.replace(f"/blob/main/notebooks/{first}", f"/blob/dev/notebooks/{first}", 1)
    assert any("is not on the main branch" in p for p in link_problems({"README.md": wrong}))
    assert len(link_problems({"README.md": ""})) == len(course_notebooks())
