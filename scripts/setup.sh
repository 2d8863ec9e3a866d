#!/usr/bin/env bash
# Set up everything hocba-audit needs on a fresh Debian machine with Python 3.11+:
# Debian packages (when missing), a virtual environment in .venv with the pinned Python
# dependencies, the project itself (editable) and a Jupyter kernel inside the venv.
# Idempotent: a second run with unchanged pins only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the project uses at run time: fonts with Vietnamese glyphs (DejaVu for the
# charts, Liberation Serif 2 (with every Vietnamese letter; metric-compatible with Times New Roman)
# for the inspector PDF that Typst typesets), poppler-utils for the tests that turn PDFs into text.
APT_PACKAGES=(fonts-dejavu-core fonts-liberation2 poppler-utils ${HOCBA_APT_PACKAGES:-})

py=${PYTHON:-}
if [ -z "$py" ]; then
  for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      py=$(command -v "$cand"); break
    fi
  done
fi
[ -n "$py" ] || { echo "setup: Python 3.11 or newer is required (python3 not found or too old)" >&2; exit 1; }

apt_install() {
  [ "$#" -gt 0 ] || return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to apt-get install $*" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

missing=()
if ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  ver=$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  missing+=("python${ver}-venv")
fi
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || { echo "setup: missing ${missing[*]} and no apt-get" >&2; exit 1; }
  echo "setup: installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}"
fi

stamp=.venv/.hocba-setup-stamp
want=$(cat requirements.lock pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "setup: creating .venv with $py"
[ -x .venv/bin/python ] || "$py" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c requirements.lock -e ".[test]"
.venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (hocba-audit)" >/dev/null
echo "$want" > "$stamp"
echo "setup: done"
