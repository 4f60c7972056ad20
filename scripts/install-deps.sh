#!/bin/sh
# Install the Debian packages nnctl needs to build, test and plot, if any are missing.
# As root it runs apt-get itself; otherwise it prints the exact command and fails, because a
# build that silently lacks a library only fails later with a less helpful message.
set -eu
PKGS="build-essential pkg-config libyaml-dev libopenblas-dev libdnnl-dev libcmocka-dev zlib1g-dev libsvm-dev libsvm-tools libpng-dev nettle-dev gnuplot-nox"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "install-deps: missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
else
    echo "install-deps: run as root:  sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
