#!/usr/bin/env bash
# What the docs browser tests (tests/docs) need on a fresh machine: Debian's chromium, a CJK font for the
# screenshots, Node with npm, and playwright-core from npm (never a browser download). Each step is skipped
# when its piece is already present; run as root or with sudo. playwright-core needs Node >= 20 (Debian 12's
# nodejs is 18: the browser tests then skip and say so, or fail under CI=true). Everything it is about to
# install is printed first, with the reason: `make check` and CI run it, `make test` never does.
# --dry-run: say what would be installed, install nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "browser-deps: the docs tests (tests/docs) run the paste page's JavaScript under Node and drive the built"
echo "browser-deps: site in headless Chromium through playwright-core; checking what this machine already has."
missing=()
why=()
command -v chromium >/dev/null 2>&1 || {
  missing+=(chromium fonts-wqy-microhei)
  why+=("chromium, fonts-wqy-microhei: the browser tests' browser, and Chinese text in its screenshots")
}
command -v node >/dev/null 2>&1 || { missing+=(nodejs); why+=("nodejs: kb lint's JavaScript RegExp check, the paste-page tests"); }
command -v npm >/dev/null 2>&1 || { missing+=(npm); why+=("npm: installs playwright-core from package-lock.json"); }
if [[ " ${missing[*]-} " != *" fonts-wqy-microhei "* ]] && command -v fc-list >/dev/null 2>&1 \
    && ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  missing+=(fonts-wqy-microhei)  # Chinese aliases and examples render as boxes in the screenshots without it
  why+=("fonts-wqy-microhei: Chinese text in the screenshots")
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "browser-deps: chromium, node and npm are present: no system package to install"
else
  for reason in "${why[@]}"; do echo "browser-deps: needed: $reason"; done
fi
if [ "${1:-}" = "--dry-run" ]; then
  [ ${#missing[@]} -eq 0 ] || echo "browser-deps: would apt-get install (as root): ${missing[*]}"
  echo "browser-deps: would npm ci playwright-core when node_modules/ is missing or older than package-lock.json"
  exit 0
fi
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "browser-deps: no apt-get; install ${missing[*]} yourself (until then the browser tests skip, or fail under CI=true)" >&2
  elif [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
    echo "browser-deps: not root and no sudo; install ${missing[*]} yourself (until then the browser tests skip, or fail under CI=true)" >&2
  else
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    echo "browser-deps: installing system packages with apt-get${sudo:+ (through sudo)}: ${missing[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

if command -v npm >/dev/null 2>&1 && { [ ! -f node_modules/.peft-why-installed ] || [ package-lock.json -nt node_modules/.peft-why-installed ]; }; then
  echo "browser-deps: npm ci into ./node_modules: playwright-core as pinned in package-lock.json (no browser download)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
  touch node_modules/.peft-why-installed
fi
