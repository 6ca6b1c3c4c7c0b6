"""Settings shared by the whole course: quick mode and where files live.

Quick mode
----------
Set the environment variable ``COURSE_QUICK=1`` to shrink every training run
and every large computation so that the whole course runs in a few minutes
(this is what CI does). Quick mode changes *sizes* (epochs, samples, grid
resolution), never the code path: use :func:`pick` to choose a size.
"""

from __future__ import annotations

import os
from pathlib import Path

QUICK_ENV = "COURSE_QUICK"
DATA_DIR_ENV = "COURSE_DATA_DIR"
CACHE_DIR_ENV = "COURSE_CACHE_DIR"
ARTIFACTS_DIR_ENV = "COURSE_ARTIFACTS_DIR"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def quick_mode() -> bool:
    """Return True when the course runs in quick mode (``COURSE_QUICK=1``).

    Examples
    --------
    >>> quick_mode() in (True, False)
    True
    """
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"environment variable {QUICK_ENV}={value!r} is not understood; "
        f"expected one of {sorted(_TRUE | _FALSE - {''})}"
    )


def pick(full, quick):
    """Return ``quick`` in quick mode and ``full`` otherwise.

    Examples
    --------
    >>> epochs = pick(full=30, quick=2)
    """
    return quick if quick_mode() else full


def repo_root() -> Path:
    """The course repository root (the folder holding ``data/`` and ``notebooks/``)."""
    return Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Folder of the embedded data (``data/`` in the repository, or ``$COURSE_DATA_DIR``)."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else repo_root() / "data"


def cache_dir() -> Path:
    """Folder for on-demand downloads (``$COURSE_CACHE_DIR`` or ``~/.cache/image-generation-course``)."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "image-generation-course"


def artifacts_dir() -> Path:
    """Folder for what runs leave behind: checkpoints, screenshots (``artifacts/``, or ``$COURSE_ARTIFACTS_DIR``).

    Never committed; deleting it only costs re-running.
    """
    override = os.environ.get(ARTIFACTS_DIR_ENV)
    return Path(override) if override else repo_root() / "artifacts"


def checkpoint_dir(name, **settings) -> Path:
    """Where the training run ``name`` with ``settings`` keeps its checkpoint (one convention for all).

    ``artifacts/checkpoints/<name>/<setting=value,...>``: the folder is keyed by the settings
    that decide the result (epochs, batch size, seed, ...), so a run with other settings never
    resumes from, or overwrites, this one's state. Notebooks and scripts both use it with
    :func:`helpers.training.fit_resumable`.

    Examples
    --------
    >>> checkpoint_dir("04_gan/dcgan", epochs=45, batch_size=64).relative_to(artifacts_dir()).as_posix()
    'checkpoints/04_gan/dcgan/batch_size=64,epochs=45'
    >>> checkpoint_dir("x", epochs=5) == checkpoint_dir("x", epochs=60)
    False
    """
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name.split("/"):
        raise ValueError(f"name must be a relative name such as '04_gan/dcgan'; got {name!r}")
    if not settings:
        raise ValueError("give the settings that decide the run (epochs=..., batch_size=..., ...)")
    key = ",".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(settings.items()))
    if "/" in key or "\\" in key:
        raise ValueError(f"settings must not contain path separators; got {settings!r}")
    return artifacts_dir() / "checkpoints" / name / key
