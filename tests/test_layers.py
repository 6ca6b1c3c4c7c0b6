"""helpers is layered as helpers/__init__.py and the README say: imports go one way, and only
the training and model modules import TensorFlow.

Every ``import`` in every module of ``helpers`` is read (module level and inside functions), so
a lazy import that breaks the layering is caught as well as a top-level one.
"""

import ast
import subprocess
import sys

import pytest

from helpers import config

HELPERS = config.repo_root() / "helpers"

#: The layers of helpers/__init__.py: a module may import from its own layer or a smaller number.
LAYERS = {
    "config": 1, "checks": 1, "plotting": 1, "colab": 1,
    "data": 2,
    "noise": 3, "density": 3, "image_quality": 3, "digit_metrics": 3, "convolution": 3,
    "diffusion_process": 3, "procedural": 3,
    "training": 4,
    "models": 5, "synthetic": 5,
    "widgets": 6, "exercises": 6,
}
#: Modules that train networks; every other module must work without TensorFlow.
TENSORFLOW_MODULES = {"training", "models.gan", "models.vae", "models.classifier", "models.diffusion"}
TENSORFLOW = ("tensorflow", "keras", "torch", "jax")


def module_name(path):
    parts = path.relative_to(HELPERS).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(name):
    """Layer of a module name relative to helpers (``models.gan`` is in the layer of ``models``)."""
    return LAYERS.get(name, LAYERS.get(name.split(".")[0]))


def imports_of(name, source):
    """(line, imported helpers module or external top-level package) for every import in ``source``."""
    package = name.split(".") if (HELPERS / name.replace(".", "/")).is_dir() else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                found.append((node.lineno, ".".join(parts[1:]) if parts[0] == "helpers" else "!" + parts[0]))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module.split(".")[0] == "helpers":
                target = node.module.split(".")[1:]
            else:
                found.append((node.lineno, "!" + node.module.split(".")[0]))
                continue
            # `from . import data` / `from helpers.models import gan`: the names may be modules.
            for alias in node.names:
                candidate = ".".join(target + [alias.name])
                is_module = (HELPERS / (candidate.replace(".", "/") + ".py")).is_file() or \
                    (HELPERS / candidate.replace(".", "/")).is_dir()
                found.append((node.lineno, candidate if is_module else ".".join(target)))
    return found


def violations(sources):
    """Every import that breaks the layering or brings TensorFlow where it does not belong.

    ``sources``: module name (relative to helpers) -> source text.
    """
    problems = []
    for name, source in sources.items():
        mine = layer_of(name) if name else 0
        if mine is None:
            problems.append(f"helpers.{name} is in no layer: add it to LAYERS and helpers/__init__.py")
            continue
        for line, target in imports_of(name, source):
            if target.startswith("!"):
                if target[1:] in TENSORFLOW and name not in TENSORFLOW_MODULES:
                    problems.append(f"helpers.{name}:{line} imports {target[1:]}; only "
                                    f"{sorted(TENSORFLOW_MODULES)} may")
                continue
            theirs = layer_of(target) if target else 0
            if theirs is None or theirs > mine:
                problems.append(f"helpers.{name}:{line} (layer {mine}) imports helpers.{target} "
                                f"(layer {theirs}): a lower layer must not import a higher one")
    return problems


def all_sources():
    return {module_name(path): path.read_text() for path in sorted(HELPERS.rglob("*.py"))}


def test_imports_go_one_way():
    assert violations(all_sources()) == []


@pytest.mark.parametrize("name, source, words", [
    ("data", "from .training import fit_resumable", "helpers.data:1 (layer 2) imports helpers.training"),
    ("plotting", "def f():\n    from . import widgets", "helpers.plotting:2 (layer 1) imports helpers.widgets"),
    ("noise", "import helpers.models.gan as G", "imports helpers.models.gan (layer 5)"),
    ("checks", "from helpers.digit_metrics import fid", "imports helpers.digit_metrics (layer 3)"),
    ("models.gan", "from ..widgets import Panel", "helpers.models.gan:1 (layer 5) imports helpers.widgets"),
    ("widgets", "def f():\n    import keras", "helpers.widgets:2 imports keras"),
    ("digit_metrics", "import tensorflow as tf", "imports tensorflow"),
    ("newthing", "import numpy", "helpers.newthing is in no layer"),
])
def test_a_wrong_import_is_reported(name, source, words):
    """The check above can fail: each of these imports breaks a rule."""
    problems = violations({name: source})
    assert len(problems) == 1 and words in problems[0], problems


def test_allowed_imports_are_not_reported():
    assert violations({"models.gan": "from .. import checks\nfrom ..training import fit_resumable\nimport keras",
                       "widgets": "from .noise import add_noise\nfrom .plotting import mosaic",
                       "models": "from .. import data"}) == []


def test_modules_without_networks_import_without_tensorflow():
    """Importing every module outside TENSORFLOW_MODULES (and helpers.models itself) loads no TensorFlow."""
    names = [name for name in all_sources() if name and name not in TENSORFLOW_MODULES]
    code = ("import importlib, sys\n"
            f"for name in {names!r}:\n"
            "    importlib.import_module('helpers.' + name)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {TENSORFLOW!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
