#!/usr/bin/env bash
# Install Debian's chromium (and chromium-driver) for the browser test, if it is missing.
# Needs root (or password-less sudo) and apt; elsewhere it says so and exits 0, and the
# browser test then skips with the same message. COURSE_CHROMIUM overrides the expected path
# (the test reads the same variable).
set -euo pipefail
CHROMIUM="${COURSE_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_chromium: no apt-get here; install chromium yourself (the browser test will be skipped)" >&2
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "install_chromium: not root; run 'sudo apt-get install chromium chromium-driver' (the browser test will be skipped)" >&2
    exit 0
fi
echo "install_chromium: apt-get install chromium chromium-driver"
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q chromium chromium-driver >/dev/null; }; then
    echo "install_chromium: apt-get failed; the browser test will be skipped" >&2
    exit 0
fi
"$CHROMIUM" --version || echo "install_chromium: installed, but no chromium at $CHROMIUM (set COURSE_CHROMIUM to its path)" >&2
