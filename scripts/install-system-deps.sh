#!/usr/bin/env bash
# Install the system packages the tests and the demo need, on Debian/Ubuntu:
#   gnome-keyring + dbus  — a real SecretService keyring on a private D-Bus (tests, demo)
#   chromium              — the real browser Playwright drives in the PKCE tests
#   nodejs + npm, curl    — Auth0's Node SDK and an https:// + domain client against the emulator
#   hyperfine             — start-up benchmarks (make bench)
# Idempotent and quick when everything is present. Needs root (or sudo) only to install.
set -euo pipefail

want=()
command -v dbus-daemon >/dev/null 2>&1 || want+=(dbus-daemon)
command -v dbus-send >/dev/null 2>&1 || want+=(dbus-bin)
command -v gnome-keyring-daemon >/dev/null 2>&1 || want+=(gnome-keyring)
[ -x /usr/bin/chromium ] || want+=(chromium)
command -v node >/dev/null 2>&1 || want+=(nodejs)
command -v npm >/dev/null 2>&1 || want+=(npm)
command -v curl >/dev/null 2>&1 || want+=(curl)
if [ "${1:-}" = "--bench" ]; then command -v hyperfine >/dev/null 2>&1 || want+=(hyperfine); fi
if [ "${1:-}" = "--python-venv" ]; then
  # Debian splits venv/ensurepip out of the interpreter package.
  want=("${2:-python3}-venv")
fi

if [ ${#want[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: please install: ${want[*]} (no apt-get here)" >&2
  exit 0  # tests needing them skip loudly outside CI, and fail in CI
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "install-system-deps: not root; please run: sudo apt-get install -y --no-install-recommends ${want[*]}" >&2
    exit 0
  fi
fi

echo "install-system-deps: installing ${want[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
