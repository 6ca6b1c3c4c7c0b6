"""What the browser tests share: where chromium is, how to start it here, when to skip.

Both tests drive Debian's chromium with playwright, which cannot download its own browsers on
this closed network (``make browser-setup`` installs the apt packages and playwright).
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
#: Without these flags chromium stalls on the closed network (it keeps trying to reach Google).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def skip_reason():
    """Why the browser tests cannot run here, or None when they can."""
    if os.environ.get("COURSE_BROWSER", "") != "1":
        return "browser test: run `make test-browser` (or set COURSE_BROWSER=1)"
    if not Path(CHROMIUM).exists():
        return (f"browser test: no chromium at {CHROMIUM}; `make browser-setup` installs the apt packages "
                "chromium and chromium-driver (needs root and apt)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser test: python package playwright missing; `make browser-setup` installs it"
    return None
