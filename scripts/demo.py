"""``make demo``: the walkthrough (docs/linking.md) end to end against a local emulator, non-interactively.

emulator → ``auth0link login`` (as alice@example.com, the scripted user typing the password in
the hosted login page) → ``identities`` → ``link --connection google-oauth2`` (a second, fresh
login of Alice's Google account; metadata merged; backup written) → ``identities`` →
``identities --secondary-only | grep google-oauth2 | unlink - --yes`` → ``identities``.

The session goes to a real OS keyring: a private, unlocked gnome-keyring started by
``scripts/with-keyring.sh`` (this script re-runs itself under it). Without gnome-keyring/dbus it
falls back to a 0600 token file in the temporary directory, and says so.
"""

# ruff: noqa: T201, INP001 - a script (not a package) that reports on stdout

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from walkthrough import print_steps, run_all, walkthrough  # noqa: E402 - needs the path above

_INSIDE = "AUTH0LINK_DEMO_KEYRING"


def main() -> int:
    """Run the walkthrough (under a private keyring when one can be started)."""
    have_keyring = bool(shutil.which("gnome-keyring-daemon") and shutil.which("dbus-daemon"))
    if have_keyring and not os.environ.get(_INSIDE):
        os.environ[_INSIDE] = "1"
        wrapper = str(ROOT / "scripts" / "with-keyring.sh")
        os.execv(wrapper, [wrapper, sys.executable, str(Path(__file__).resolve())])  # noqa: S606 - our script
    if not have_keyring:
        print("note: gnome-keyring/dbus not installed; tokens go to a 0600 file in a temp dir\n")
    started = time.monotonic()
    with walkthrough() as w:
        try:
            run_all(w, keyring=have_keyring)
        finally:
            print_steps(w, w.steps)
    print(f"demo finished in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
