#!/usr/bin/env bash
# Run a command with a private, unlocked gnome-keyring on its own D-Bus session, so that
# `make demo` stores tokens in a real OS keyring even on a headless machine. Everything lives in
# a temp dir that is removed afterwards; the command's exit status is passed through.
# Usage: scripts/with-keyring.sh CMD [ARGS...]
set -euo pipefail
if ! command -v dbus-daemon >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
  echo "with-keyring: gnome-keyring/dbus not installed (run scripts/install-system-deps.sh);" \
       "running without a keyring" >&2
  exec "$@"
fi
KR_TMP="$(mktemp -d)"
trap 'rm -rf "$KR_TMP"' EXIT
mkdir -m 700 "$KR_TMP/run"
export XDG_DATA_HOME="$KR_TMP/data" XDG_RUNTIME_DIR="$KR_TMP/run"
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL
dbus-run-session -- sh -c '
  printf %s demo-keyring-pass | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
  GKD=$!
  i=0
  until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; do
    i=$((i+1)); [ $i -gt 200 ] && { echo "with-keyring: gnome-keyring did not start" >&2; kill $GKD; exit 1; }
    sleep 0.05
  done
  rc=0; "$@" || rc=$?
  kill $GKD 2>/dev/null; wait $GKD 2>/dev/null
  exit $rc' sh "$@" 2> >(grep -v "Failed to set fd limit" >&2)
