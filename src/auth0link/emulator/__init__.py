"""A faithful local Auth0 tenant (``auth0link emulator``), for demos and end-to-end tests.

A package apart: it imports nothing of auth0link outside ``auth0link.emulator`` (a test walks
every module's imports) and its modules import each other relatively, so it could ship on its
own. Starlette and uvicorn come with the ``emulator`` extra; this ``__init__``,
:mod:`.server.options`, :mod:`.server.command` and :mod:`.testing.agent` import neither, so
``--help`` and the scripted user work with the core dependencies only.

The folder tree is the table of contents (and where a new module goes):

- ``server/`` — the server and its command line: ``options`` (the one ``EmulatorOptions``
  dataclass and argparse parser: a new option is a field plus an ``add_argument``), ``command``
  (``main(argv)``, exit codes; ``python -m auth0link.emulator`` and ``auth0link emulator`` both
  run it), ``serve`` (checks, bind, banner, uvicorn, ``EmulatorThread``), ``tls`` (the local CA
  kept in the TLS folder, the server certificate issued at each start), ``readiness``
  (``--ready-file``, ``--pid-file``).
- ``web/`` — the wiring: ``app`` builds the one ASGI app (access log → ``guard`` → ``limits`` →
  CORS → ``faults`` → ``framing`` → ``csrf`` → routes; a new group of endpoints adds its
  ``ROUTES`` there); ``shared`` (what the Starlette routes share: responses, forms, the
  transaction guard); the defences (docs/security.md sums them up): ``guard`` (own ``Host``
  only; the control secret for ``/__emulator/*``), ``limits`` (body size, JSON depth, slow
  clients), ``framing`` (clickjacking headers), ``csrf`` (hosted forms' token and ``Origin``),
  ``urls`` (strict URL parsing for redirect targets); ``faults`` (injected failures) and
  ``control`` (``/__emulator/*``, behind the control secret).
- ``authn/`` — the Authentication API's routes: ``discovery`` (OIDC document, JWKS), ``authorize``
  (``/authorize``, the confirmation screen), ``delivery`` (response modes: query, fragment,
  form_post, web_message), ``universal_login`` (``/u/login`` pages, passwordless codes),
  ``device`` (``/activate``, ``/u/device-confirm``), ``completion`` (a known user: consent, code
  or device approval), ``oauth`` (``/oauth/token``, ``/oauth/device/code``, ``/oauth/revoke``,
  ``/userinfo``), ``embedded`` (``/dbconnections/signup``, ``/passwordless/start``) with
  ``signup_identifiers``, ``password_reset`` (``/dbconnections/change_password``),
  ``cross_origin`` (``/co/authenticate``, ``/co/verify``), ``sso`` (session cookie, logout),
  ``implicit`` (tokens in the redirect).
- ``protocol/`` — logic without HTTP: ``grants`` (token grants, device polling, revocation),
  ``extension_grants`` (password-realm, passwordless OTP), ``minting`` (what ID and access
  tokens hold), ``keys`` (RS256 key, JWKS), ``transaction`` (the login transaction's state
  machine), ``login_tickets``, ``cors``, ``rate_limit`` (the Management API token bucket),
  ``attempts`` (brute-force protection, one-time-code tries), ``password_policy``.
- ``mgmt/`` — the Management API: ``api`` (a lean raw ASGI app, the benchmarked hot path, and
  ``ROUTES``, its one route table: find an endpoint by its path there; compiled by ``routing``),
  ``users`` (the ``/users`` handlers), ``user_search`` (Auth0's search window; the query syntax
  in ``search_query``), ``admin`` (user creation, the client and connection lists), ``checks``
  (shared checks), ``listing`` (page and checkpoint paging), ``configuration`` (one client or
  connection, client grants, resource servers, tenant settings), ``fresh_tenant`` (a fresh
  tenant's answers for every other resource type), ``import_jobs``, ``export_jobs`` (job
  objects, statuses, worker thread, signed locations), ``export_file`` (``fields``, NDJSON/CSV
  lines), ``downloads`` (the route the ``location`` points to).
- ``state/`` — the tenant's state: ``tenant`` (settings, clients, connections, and its stores,
  each a small class with one job: ``clock``, ``users``, ``sessions``, ``transactions``,
  ``codes``, ``devices``, ``refresh_tokens``, ``outbox``), ``clock``, ``sessions`` (SSO
  sessions, login transactions, authorization and device codes), ``refresh_tokens``, ``outbox``
  (emails, SMS, one-time codes), ``applications`` (clients, connections), ``model`` (users,
  identities, codes, sessions), ``directory`` (users, linking rules, the linked-identity index)
  with ``snapshots`` (the users a reset goes back to) and ``accounts`` (finding, checking and
  signing up a connection's accounts), ``tenant_config`` (client grants, resource servers,
  settings), ``persistence`` (``--state`` files, atomic 0600 writes, the tenant build),
  ``user_files`` (``--users``: formats detected by content, read as a stream) with
  ``user_records`` (one record of any format to a user), ``tenant_file`` (``--tenant``:
  deploy-cli YAML; its ``tenant:`` and ``resourceServers:`` in ``tenant_file_settings``),
  ``work_dirs`` (private export folders, stale ones removed), ``demo`` (the fixed demo IDs,
  secrets and users).
- ``pages/`` — ``hosted``: the HTML of the hosted pages (stable form ids the agent keys on).
- ``testing/`` — for tests, ours and other people's: ``tenant`` (``start_tenant``), ``transport``
  (in-process transports), ``forms`` (PKCE, machine-token requests), ``control`` (the one client
  of ``/__emulator/*``), ``agent`` with ``page_reader`` (a scripted user that reads and submits
  the real pages); :mod:`.pytest_plugin` gives them as fixtures.

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
