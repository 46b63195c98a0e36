#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium (used by tests/test_report.py to render the HTML
# report) through apt, only when it is missing. Safe to run repeatedly.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
echo "install_chromium: chromium not found, installing it with apt-get" >&2
if [ "$(id -u)" = "0" ]; then sudo_cmd=""; else sudo_cmd="sudo"; fi
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
