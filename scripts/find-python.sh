#!/bin/sh
# Print the Python the Makefile should use: python3 when it is 3.11 or newer, else the newest
# python3.N (N >= 11) on PATH. Nothing but shell built-ins and the interpreters themselves, so
# it works on a bare machine (and under the test's fake PATH). Exit 1, saying why, when none is.
set -u

new_enough() {
  "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

if command -v python3 >/dev/null 2>&1 && new_enough python3; then
  echo python3
  exit 0
fi

best=""
best_minor=10
old_ifs=$IFS
IFS=:
for dir in $PATH; do
  for path in "$dir"/python3.*; do
    name=${path##*/}
    minor=${name#python3.}
    case $minor in '' | *[!0-9]*) continue ;; esac
    if [ "$minor" -gt "$best_minor" ] && [ -x "$path" ] && new_enough "$path"; then
      best=$name
      best_minor=$minor
    fi
  done
done
IFS=$old_ifs

if [ -n "$best" ]; then
  echo "$best"
  exit 0
fi
echo "find-python: no Python 3.11 or newer on PATH; install one (Debian/Ubuntu: apt-get install python3 python3-venv)" >&2
exit 1
