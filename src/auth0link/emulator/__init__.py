"""A faithful local Auth0 tenant (``auth0link emulator``), for demos and end-to-end tests.

A package apart: it imports nothing of auth0link outside ``auth0link.emulator`` (a test walks
every module's imports), so it could ship on its own. Starlette and uvicorn come with the
``emulator`` extra; this ``__init__``, :mod:`.options`, :mod:`.command` and :mod:`.agent` import
neither, so ``--help`` and the scripted user work with the core dependencies only.

Where things are (and where a new one goes):

- Command line: :mod:`.options` (the one ``EmulatorOptions`` dataclass and the one argparse
  parser: a new option is a field plus an ``add_argument``), :mod:`.command` (``main(argv)``,
  exit codes; ``python -m auth0link.emulator`` and ``auth0link emulator`` both run it),
  :mod:`.server` (checks, bind, banner, uvicorn, ``EmulatorThread``), :mod:`.tls` (HTTPS: the
  local CA kept in the TLS folder, the server certificate issued at each start),
  :mod:`.readiness` (``--ready-file``, ``--pid-file``).
- Wiring: :mod:`.app` builds the one ASGI app (access log → :mod:`.guard` → :mod:`.limits` →
  :mod:`.cors` → :mod:`.faults` → :mod:`.framing` → :mod:`.csrf` → routes; a new group of
  endpoints adds its ``ROUTES`` there), :mod:`.ratelimit` the Management API token bucket.
- Defences (each a small middleware or helper; docs/security.md sums them up):
  :mod:`.guard` (own ``Host`` only; the control secret for ``/__emulator/*``), :mod:`.limits`
  (body size, JSON depth, slow clients), :mod:`.framing` (clickjacking headers), :mod:`.csrf`
  (hosted forms' token and ``Origin``), :mod:`.urls` (strict URL parsing for redirect targets),
  :mod:`.attempts` (brute-force protection, one-time-code tries), :mod:`.workdirs` (private
  export folders, stale ones removed).
- Authentication API (Starlette routes; shared helpers and the transaction guard in :mod:`.web`):
  :mod:`.discovery` (OIDC document, JWKS), :mod:`.authorize` (``/authorize``, the confirmation
  screen), :mod:`.delivery` (response modes: query, fragment, form_post, web_message),
  :mod:`.universal_login` (``/u/login`` pages, passwordless codes), :mod:`.device`
  (``/activate``, ``/u/device-confirm``), :mod:`.completion` (a known user: consent, code or
  device approval), :mod:`.oauth` (``/oauth/token``, ``/oauth/device/code``, ``/oauth/revoke``,
  ``/userinfo`` over HTTP), :mod:`.embedded` (``/dbconnections/signup``,
  ``/passwordless/start``) with :mod:`.signupids` (the identifiers a sign-up takes),
  :mod:`.passwordreset` (``/dbconnections/change_password``),
  :mod:`.crossorigin` (``/co/authenticate``, login tickets at ``/authorize``, ``/co/verify``;
  the tickets in :mod:`.logintickets`), :mod:`.sso` (session cookie and its attributes, logout), HTML in
  :mod:`.pages`.
- Protocol logic without HTTP: :mod:`.grants` (token grants, device polling, revocation),
  :mod:`.extgrants` (password-realm, passwordless OTP), :mod:`.minting` (what ID and access
  tokens hold), :mod:`.keys` (RS256 key, JWKS), :mod:`.passwordpolicy`.
- Management API: :mod:`.mgmtapi`, a lean raw ASGI app (the benchmarked hot path), with user
  search and Auth0's search window in :mod:`.usersearch` (the query syntax in
  :mod:`.searchquery`); user creation and the client and
  connection lists in :mod:`.mgmtadmin`, shared checks in :mod:`.mgmtcommon`, page and
  checkpoint paging in :mod:`.listing`; one client or connection, client grants, resource
  servers and tenant settings in :mod:`.mgmtconfig` (the data in :mod:`.tenantconfig`), a fresh
  tenant's answers for every other resource type in :mod:`.freshtenant`; users-import jobs in
  :mod:`.importjobs`; users-export jobs
  in :mod:`.jobs` (the job objects, statuses, worker thread, signed locations),
  :mod:`.exportfile` (``fields`` and the NDJSON/CSV lines) and :mod:`.downloads` (the route the
  ``location`` points to).
- State: :mod:`.applications` (clients, connections, the demo ones), :mod:`.model` (users,
  identities, codes, sessions), :mod:`.transaction` (the login transaction's state machine),
  :mod:`.directory` (users, linking rules and the linked-identity index) with
  :mod:`.accounts` (finding, checking and signing up a connection's accounts), :mod:`.tenant`
  (everything, changed only through its methods), :mod:`.persistence` (``--state`` files,
  atomic 0600 writes, the tenant build), :mod:`.userfiles` (``--users``: formats detected by
  content, read as a stream) with :mod:`.userrecords` (one record of any format to a user),
  :mod:`.tenantfile` (``--tenant``: deploy-cli YAML; its ``tenant:`` and ``resourceServers:`` in
  :mod:`.tenantconfig_file`), :mod:`.demo` (the fixed demo IDs, secrets
  and users).
- Test-only: :mod:`.control` (``/__emulator/*``, behind the control secret), :mod:`.agent`
  with :mod:`.pageread` (a scripted user that reads and submits the real pages); for other
  people's tests, :mod:`.testing` (``start_tenant``, the in-process transports, the one client of
  ``/__emulator/*``) and :mod:`.pytest_plugin` (its fixtures).

Errors meant for the user are :class:`EmulatorError` (one line, exit 2).
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
  SPA (public)     auth0linkEmulatorSpaClient000001
    callbacks, logout URLs, web origins, CORS: http://localhost:3000, http://127.0.0.1:3000
    implicit grant, cross-origin authentication (embedded login)
  regular web      auth0linkEmulatorWebClient000001
    secret auth0link-emulator-demo-web-secret-not-a-real-secret-01234567890
    callbacks http://localhost:3000/callback, http://127.0.0.1:3000/callback (implicit grant)
  M2M              auth0linkEmulatorM2MClient000001
    secret auth0link-emulator-demo-m2m-secret-not-a-real-secret-01234567890

Demo users:
  auth0|65f0a11ce0000000000000a1       alice@example.com correct-horse-alice
  google-oauth2|109876543210987654321  alice@example.com (verified)
  github|4242424                       alice@example.com (NOT verified)
  email|65f0a11ce0000000000000e1       alice@example.com (email code)
  auth0|65f0b0b0b0000000000000b1       bob@example.com correct-horse-bob
  sms|65f0ca401000000000000051         +15555550123 (SMS code)
One-time codes: GET /__emulator/outbox?to=ADDRESS with header
  X-Emulator-Token: $AUTH0LINK_EMULATOR_TOKEN (and stderr)."""
