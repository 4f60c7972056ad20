#!/usr/bin/env bash
# Creates scripts/peers/.venv and installs the pinned peers (TensorFlow-CPU/Keras, PyTorch, NumPy)
# from scripts/peers/requirements.txt. Idempotent: a venv already installed from the same
# requirements file is left as it is (pass --force to reinstall). Needs only PyPI.
# Usage: scripts/peers/setup.sh [--force]      PYTHON=python3.11 picks the interpreter.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
py=${PYTHON:-python3}
force=0
[ "${1:-}" = "--force" ] && force=1

command -v "$py" >/dev/null || {
    echo "setup.sh: $py not found; on Debian: apt-get install python3 python3-venv" >&2; exit 1; }
ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case "$ver" in
    3.10|3.11|3.12|3.13) ;;
    *) echo "setup.sh: Python $ver: the pinned wheels need Python 3.10 to 3.13" \
            "(requirements.txt was locked on 3.11); set PYTHON=..." >&2; exit 1 ;;
esac
if ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "setup.sh: $py has no venv/ensurepip module; on Debian install it with:" >&2
    echo "  apt-get install python3-venv     (or python$ver-venv)" >&2
    exit 1
fi

want=$(sha256sum "$req" | cut -d' ' -f1)
if [ $force = 0 ] && [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    echo "setup.sh: $venv is up to date with requirements.txt"
else
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
    rm -f "$stamp"
    echo "setup.sh: installing the pinned peers into $venv (about 3 GB to download, 7 GB installed)"
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$req"
    echo "$want" > "$stamp"
fi
"$venv/bin/python" - <<'PY'
import os, platform
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy, sklearn, tensorflow as tf, keras, torch
print(f"setup.sh: ok: Python {platform.python_version()}, numpy {numpy.__version__}, "
      f"tensorflow {tf.__version__}, keras {keras.__version__}, torch {torch.__version__}, "
      f"scikit-learn {sklearn.__version__}")
PY
