# shellcheck shell=bash
# Sourced by scripts/demo and scripts/test: makes sure .venv holds the pinned dependencies
# of pyproject.toml. It installs again only when pyproject.toml changed since the last
# install, so a second run starts at once.
#
# pyproject.toml has `packages = []`: `pip install ".[dev]"` installs the dependencies only,
# the code is run from the work tree.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

PYTHON="${PYTHON:-python3.11}"

_venv_is_311() {
    .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null
}

if [ -d .venv ] && ! _venv_is_311; then
    echo "==> .venv is not a working Python 3.11 environment: creating it again"
    rm -rf .venv
fi

if [ ! -d .venv ]; then
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "Python 3.11 is needed: apt-get install python3.11 python3.11-venv" >&2
        exit 1
    fi
    echo "==> Creating .venv with $PYTHON"
    if ! "$PYTHON" -m venv .venv; then
        rm -rf .venv
        echo "Could not create .venv: apt-get install python3.11-venv" >&2
        exit 1
    fi
fi

_deps_stamp=.venv/.entrepairs-deps
_deps_wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$_deps_stamp" 2>/dev/null)" != "$_deps_wanted" ]; then
    echo "==> Installing the dependencies of pyproject.toml into .venv"
    .venv/bin/pip install -q --disable-pip-version-check ".[dev]"
    # setuptools leaves its build folders in the work tree.
    rm -rf build entrepairs.egg-info
    echo "$_deps_wanted" >"$_deps_stamp"
fi
