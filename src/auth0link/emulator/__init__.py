"""A faithful local Auth0 tenant (``auth0link emulator``), for demos and end-to-end tests.

Starlette and uvicorn come with the ``emulator`` extra; this package's ``__init__`` imports
neither (the CLI reads :data:`DEMO_USERS_HELP` from here for its ``--help``). The server lives in
:mod:`auth0link.emulator.server`, the routes in :mod:`.app`, :mod:`.authapi`, :mod:`.mgmtapi`
and :mod:`.admin`, the tenant data in :mod:`.state`, keys in :mod:`.keys`, HTML in :mod:`.pages`,
and the scripted browser user in :mod:`.agent` (core dependencies only).
"""

from __future__ import annotations

__all__ = ["DEMO_USERS_HELP", "EmulatorError"]


class EmulatorError(Exception):
    """The emulator cannot do what was asked: a bad option, users or state file, a busy port.

    The message is one line naming the problem and the fix; :func:`.command.main` prints it as
    ``error: …`` and exits 2 (the admin endpoints answer it as a 400).
    """


DEMO_USERS_HELP = """\
Clients (fixed IDs):
  native (public)  auth0linkEmulatorNativeClient001
    callbacks http://127.0.0.1:8484/callback (also 8485, 8486; localhost)
  M2M              auth0linkEmulatorM2MClient000001
    secret auth0link-emulator-demo-m2m-secret-not-a-real-secret-01234567890

Demo users:
  auth0|65f0a11ce0000000000000a1       alice@example.com correct-horse-alice
  google-oauth2|109876543210987654321  alice@example.com (verified)
  github|4242424                       alice@example.com (NOT verified)
  email|65f0a11ce0000000000000e1       alice@example.com (email code)
  auth0|65f0b0b0b0000000000000b1       bob@example.com correct-horse-bob
  sms|65f0ca401000000000000051         +15555550123 (SMS code)
One-time codes: GET /__emulator/outbox?to=ADDRESS (and stderr)."""
