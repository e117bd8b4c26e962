#!/usr/bin/env bash
# What the docs browser tests (tests/docs) need on a fresh machine: Debian's chromium, a CJK font for the
# screenshots, Node with npm, and playwright-core from npm (never a browser download). Each step is skipped
# when its piece is already present; run as root or with sudo. playwright-core needs Node >= 20 (Debian 12's
# nodejs is 18: the browser tests then skip and say so).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-wqy-microhei)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if command -v fc-list >/dev/null 2>&1 && ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  missing+=(fonts-wqy-microhei)  # Chinese aliases and examples render as boxes in the screenshots without it
fi
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "browser-deps: no apt-get; install ${missing[*]} yourself (the browser tests skip until then)" >&2
  elif [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
    echo "browser-deps: not root and no sudo; install ${missing[*]} yourself (the browser tests skip until then)" >&2
  else
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    echo "browser-deps: apt-get install ${missing[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

if command -v npm >/dev/null 2>&1 && { [ ! -f node_modules/.peft-why-installed ] || [ package-lock.json -nt node_modules/.peft-why-installed ]; }; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
  touch node_modules/.peft-why-installed
fi
