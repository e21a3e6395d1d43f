"""The Authentication API and hosted login pages (Starlette routes).

Flow of a browser login, as on Auth0's Universal Login::

    GET /authorize ──(SSO session, no prompt)──────────────────────────┐
        │ login needed                                                 │
        ▼                                                              ▼
    /u/login?state=T  (database form + links)      non-verifiable callback and nothing
    /u/login/idp?state=T&connection=C  (social chooser / passwordless)  shown yet?
    /u/login/passwordless-{email,sms}-challenge?state=T (code)      → /u/consent?state=T
        │                                                              │
        └──────────────► 302 redirect_uri?code=…&state=… ◄─────────────┘

Device flow: ``/activate`` (code) → ``/u/device-confirm`` → login pages (or the SSO session)
→ success page. The SSO session is the ``auth0`` cookie (HttpOnly, SameSite=Lax; not ``Secure``
because the emulator is plain HTTP and cookie jars drop Secure cookies there).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from auth0link.emulator import demo, pages, tokens
from auth0link.emulator.state import (
    AuthCode,
    DeviceCode,
    SsoSession,
    Tenant,
    Transaction,
    User,
)

LOG = logging.getLogger("auth0link.emulator")
SESSION_COOKIE = "auth0"
TRANSACTION_TTL = 3600.0
CODE_TTL = 60.0
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

Handler = Callable[[Request], Awaitable[Response]]


def _tenant(request: Request) -> Tenant:
    tenant: Tenant = request.app.state.tenant
    return tenant


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={"cache-control": "no-store"})


def _json(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"cache-control": "no-store", "pragma": "no-cache"})


def is_non_verifiable(uri: str) -> bool:
    """Loopback HTTP and custom-scheme callbacks cannot be verified (``.localhost`` can)."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return True
    return (parts.hostname or "") in _LOOPBACK_HOSTS or parts.netloc.startswith("[::1]")


def _with_query(uri: str, params: dict[str, str]) -> str:
    separator = "&" if urlsplit(uri).query else "?"
    return f"{uri}{separator}{urlencode(params)}"


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=302, headers={"cache-control": "no-store"})


def _session(request: Request) -> SsoSession | None:
    tenant = _tenant(request)
    sid = request.cookies.get(SESSION_COOKIE)
    session = tenant.sessions.get(sid) if sid else None
    if session is not None and session.user_id not in tenant.users:
        return None  # the user was deleted or linked away: the session is worthless
    return session


def _transaction(request: Request, params: dict[str, str] | None = None) -> Transaction | None:
    tenant = _tenant(request)
    state = (params or {}).get("state") or request.query_params.get("state", "")
    tx = tenant.transactions.get(state)
    if tx is None or tenant.now() - tx.created > TRANSACTION_TTL:
        return None
    return tx


async def _form(request: Request) -> dict[str, str]:
    # Plain urlencoded forms only (no python-multipart dependency); last value wins.
    raw = await request.body()
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


_EXPIRED = pages.error("invalid_request", "The login transaction is unknown or has expired.")


# -- discovery ------------------------------------------------------------------------------


async def openid_configuration(request: Request) -> Response:
    """``GET /.well-known/openid-configuration``."""
    base = _tenant(request).base_url
    return JSONResponse(
        {
            "issuer": base + "/",
            "authorization_endpoint": base + "/authorize",
            "token_endpoint": base + "/oauth/token",
            "device_authorization_endpoint": base + "/oauth/device/code",
            "userinfo_endpoint": base + "/userinfo",
            "mfa_challenge_endpoint": base + "/mfa/challenge",
            "jwks_uri": base + "/.well-known/jwks.json",
            "registration_endpoint": base + "/oidc/register",
            "revocation_endpoint": base + "/oauth/revoke",
            "end_session_endpoint": base + "/oidc/logout",
            "scopes_supported": [
                "openid",
                "profile",
                "offline_access",
                "name",
                "given_name",
                "family_name",
                "nickname",
                "email",
                "email_verified",
                "picture",
                "created_at",
                "identities",
                "phone",
                "address",
            ],
            "response_types_supported": [
                "code",
                "token",
                "id_token",
                "code token",
                "code id_token",
                "token id_token",
                "code token id_token",
            ],
            "code_challenge_methods_supported": ["S256", "plain"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
            ],
            "claims_supported": [
                "aud",
                "auth_time",
                "created_at",
                "email",
                "email_verified",
                "exp",
                "family_name",
                "given_name",
                "iat",
                "identities",
                "iss",
                "name",
                "nickname",
                "phone_number",
                "picture",
                "sub",
            ],
            "request_uri_parameter_supported": False,
            "request_parameter_supported": False,
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "PS256"],
            "end_session_endpoint_methods_supported": ["GET"],
        }
    )


async def jwks(request: Request) -> Response:
    """``GET /.well-known/jwks.json``."""
    return JSONResponse(_tenant(request).key.jwks())


# -- /authorize -----------------------------------------------------------------------------


def _authorize_error(redirect_uri: str, state: str | None, error: str, desc: str) -> Response:
    params = {"error": error, "error_description": desc}
    if state is not None:
        params["state"] = state
    return _redirect(_with_query(redirect_uri, params))


async def authorize(request: Request) -> Response:  # noqa: C901, PLR0911 - one protocol step per branch
    """``GET /authorize``: validate, then SSO, login pages, or the confirmation screen."""
    tenant = _tenant(request)
    params = dict(request.query_params)
    client = tenant.clients.get(params.get("client_id", ""))
    if client is None or client.app_type != "native":
        return _html(pages.error("invalid_request", "Unknown client: " + params.get("client_id", "")), 400)
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in client.callbacks:
        # Exact string match, as Auth0 (no RFC 8252 any-port loopback matching).
        return _html(
            pages.error(
                "unauthorized_client",
                f"Callback URL mismatch. {redirect_uri} is not in the list of allowed callback URLs",
                "Please go to the Application Settings page and make sure you are sending a "
                "valid callback url from your application.",
            ),
            400,
        )
    state = params.get("state")
    if params.get("response_type") != "code":
        return _authorize_error(
            redirect_uri,
            state,
            "unsupported_response_type",
            f"Unsupported response type: {params.get('response_type', '')}",
        )
    # Public (token endpoint auth "none") clients must use PKCE with S256 here.
    if not params.get("code_challenge"):
        return _authorize_error(
            redirect_uri, state, "invalid_request", "Parameter 'code_challenge' is required"
        )
    if params.get("code_challenge_method", "plain") != "S256":
        return _authorize_error(
            redirect_uri, state, "invalid_request", "Parameter 'code_challenge_method' must be S256"
        )
    audience = params.get("audience") or None
    if audience is not None and audience != tenant.api_audience:
        return _authorize_error(
            redirect_uri, state, "access_denied", f"Service not enabled within domain: {audience}"
        )
    connection = params.get("connection") or None
    if connection is not None and connection not in demo.CONNECTIONS:
        return _authorize_error(
            redirect_uri, state, "invalid_request", f"the connection was not found: {connection}"
        )
    prompts = set(params.get("prompt", "").split())
    max_age = params.get("max_age")
    if max_age is not None and not max_age.isdigit():
        return _authorize_error(redirect_uri, state, "invalid_request", "max_age must be a number")
    confirm_on = is_non_verifiable(redirect_uri) and not (
        client.skip_non_verifiable_callback_uri_confirmation_prompt
    )
    session = _session(request)
    needs_login = (
        session is None
        or "login" in prompts
        or (max_age is not None and tenant.now() - session.auth_time >= int(max_age))
        # Plausible (undocumented): a session from another connection does not satisfy an
        # explicit `connection=`.
        or (connection is not None and session.connection != connection)
    )
    if "none" in prompts:
        if confirm_on:
            # Auth0 rejects prompt=none while the confirmation screen is enabled; the exact
            # error code is undocumented, invalid_request is the most plausible.
            return _authorize_error(
                redirect_uri,
                state,
                "invalid_request",
                "prompt=none is not supported with non-verifiable callback URIs",
            )
        if needs_login:
            return _authorize_error(redirect_uri, state, "login_required", "Login required")
    tx = Transaction(
        id=secrets.token_urlsafe(24),
        kind="authorize",
        client_id=client.client_id,
        params=params,
        created=tenant.now(),
        connection=connection,
    )
    tenant.transactions[tx.id] = tx
    if needs_login:
        return _redirect(_login_url(tx))
    assert session is not None
    tx.user_id, tx.login_connection, tx.auth_time = (
        session.user_id,
        session.connection,
        session.auth_time,
    )
    return _finish(request, tx, session)


def _login_url(tx: Transaction) -> str:
    if tx.connection is not None and tx.connection != demo.DATABASE:
        return f"/u/login/idp?{urlencode({'state': tx.id, 'connection': tx.connection})}"
    return f"/u/login?{urlencode({'state': tx.id})}"


def _finish(request: Request, tx: Transaction, session: SsoSession | None = None) -> Response:
    """The user is known: confirm if needed, then redirect with a code (or approve a device)."""
    tenant = _tenant(request)
    assert tx.user_id is not None
    client = tenant.clients[tx.client_id]
    if tx.kind == "device":
        return _finish_device(request, tx, session)
    redirect_uri = tx.params["redirect_uri"]
    if (
        not tx.prompted
        and is_non_verifiable(redirect_uri)
        and not client.skip_non_verifiable_callback_uri_confirmation_prompt
    ):
        return _redirect(f"/u/consent?{urlencode({'state': tx.id})}")
    del tenant.transactions[tx.id]
    new_session = session is None
    if session is None:
        session = _new_session(tenant, tx)
    user = tenant.users[tx.user_id]
    tenant.record_login(user)
    prompts = set(tx.params.get("prompt", "").split())
    code = secrets.token_urlsafe(24)
    tenant.codes[code] = AuthCode(
        client_id=tx.client_id,
        redirect_uri=redirect_uri,
        code_challenge=tx.params.get("code_challenge"),
        user_id=user.user_id,
        scope=tokens.grant_scope(
            tenant, client, tx.params.get("scope", ""), tx.params.get("audience") or None
        ),
        audience=tx.params.get("audience") or None,
        nonce=tx.params.get("nonce"),
        sid=session.sid,
        auth_time=session.auth_time,
        include_auth_time="login" in prompts or "max_age" in tx.params,
        expires=tenant.now() + CODE_TTL,
    )
    params = {"code": code}
    if tx.params.get("state") is not None:
        params["state"] = tx.params["state"]
    response = _redirect(_with_query(redirect_uri, params))
    if new_session:
        _set_session_cookie(response, session)
    return response


def _new_session(tenant: Tenant, tx: Transaction) -> SsoSession:
    assert tx.user_id is not None
    session = SsoSession(
        sid=secrets.token_urlsafe(24),
        user_id=tx.user_id,
        auth_time=int(tx.auth_time or tenant.now()),
        connection=tx.login_connection or demo.DATABASE,
    )
    tenant.sessions[session.sid] = session
    return session


def _set_session_cookie(response: Response, session: SsoSession) -> None:
    response.set_cookie(
        SESSION_COOKIE, session.sid, httponly=True, samesite="lax", path="/", max_age=3 * 86400
    )


def _authenticated(request: Request, tx: Transaction, user: User, connection: str) -> Response:
    tx.user_id = user.user_id
    tx.login_connection = connection
    tx.auth_time = int(_tenant(request).now())
    tx.prompted = True
    return _finish(request, tx)


# -- login pages ----------------------------------------------------------------------------


def _others(tx: Transaction) -> list[str]:
    if tx.connection is not None:
        return []
    return [name for name in demo.CONNECTIONS if name != demo.DATABASE]


def _login_page(request: Request, tx: Transaction, error: str | None = None, status: int = 200) -> Response:
    tenant = _tenant(request)
    return _html(
        pages.login(
            state=tx.id,
            client_name=tenant.clients[tx.client_id].name,
            login_hint=tx.params.get("login_hint", ""),
            error=error,
            others=_others(tx),
            database=tx.connection in (None, demo.DATABASE),
        ),
        status,
    )


async def login_page(request: Request) -> Response:
    """``GET /u/login``: the Universal Login page."""
    tx = _transaction(request)
    if tx is None:
        return _html(_EXPIRED, 400)
    return _login_page(request, tx)


async def login_submit(request: Request) -> Response:
    """``POST /u/login``: check the database email and password."""
    tenant = _tenant(request)
    form = await _form(request)
    tx = _transaction(request, form)
    if tx is None:
        return _html(_EXPIRED, 400)
    email = form.get("username", "").strip().lower()
    password = form.get("password", "")
    for identity, owner in tenant.accounts_for(demo.DATABASE):
        profile = tenant.identity_profile(identity, owner)
        expected = tenant.passwords.get(identity.full_id)
        if (
            profile.get("email") == email
            and expected is not None
            and hmac.compare_digest(expected.encode(), password.encode())
        ):
            return _authenticated(request, tx, owner, demo.DATABASE)
    return _login_page(request, tx, "Wrong email or password.", 400)


def _idp_page(
    request: Request, tx: Transaction, connection: str, error: str | None = None, status: int = 200
) -> Response:
    tenant = _tenant(request)
    if connection in ("email", "sms"):
        return _html(
            pages.passwordless_start(
                state=tx.id,
                connection=connection,
                login_hint=tx.params.get("login_hint", ""),
                error=error,
            ),
            status,
        )
    accounts = []
    for identity, owner in tenant.accounts_for(connection):
        profile = tenant.identity_profile(identity, owner)
        accounts.append((identity.full_id, str(profile.get("email") or profile.get("name"))))
    return _html(
        pages.idp_chooser(state=tx.id, connection=connection, accounts=accounts, error=error),
        status,
    )


async def idp_page(request: Request) -> Response:
    """``GET /u/login/idp``: an emulated social IdP or the passwordless start page."""
    tx = _transaction(request)
    connection = request.query_params.get("connection", "")
    if tx is None:
        return _html(_EXPIRED, 400)
    if connection not in demo.CONNECTIONS or connection == demo.DATABASE:
        return _html(pages.error("invalid_request", f"Unknown connection: {connection}"), 400)
    return _idp_page(request, tx, connection)


async def idp_submit(request: Request) -> Response:  # noqa: C901, PLR0911 - one branch per IdP answer
    """``POST /u/login/idp``: pick an account (social) or send a code (passwordless)."""
    tenant = _tenant(request)
    form = await _form(request)
    tx = _transaction(request, form)
    connection = form.get("connection") or request.query_params.get("connection", "")
    if tx is None:
        return _html(_EXPIRED, 400)
    if connection not in demo.CONNECTIONS or connection == demo.DATABASE:
        return _html(pages.error("invalid_request", f"Unknown connection: {connection}"), 400)
    if connection in ("email", "sms"):
        field = "phone_number" if connection == "sms" else "email"
        to = form.get(field, "").strip()
        if connection == "email":
            to = to.lower()
        if not to:
            return _idp_page(request, tx, connection, f"Enter your {field.replace('_', ' ')}.", 400)
        code = tenant.send_code(to, connection)
        tx.pending_otp = {"to": to, "code": code, "connection": connection}
        # The "email"/"SMS" goes to the outbox and to stderr (never the code in the pages).
        LOG.warning("outbox: %s code for %s: %s", connection, to, code)
        challenge = "sms" if connection == "sms" else "email"
        return _redirect(f"/u/login/passwordless-{challenge}-challenge?{urlencode({'state': tx.id})}")
    account = form.get("account")
    if account:
        provider, _, raw = account.partition("|")
        owner = tenant.find_identity_owner(provider, raw)
        if owner is None or all(i.connection != connection for i in owner.identities):
            return _idp_page(request, tx, connection, "Unknown account.", 400)
        return _authenticated(request, tx, owner, connection)
    email = form.get("email", "").strip().lower()
    if not email:
        return _idp_page(request, tx, connection, "Choose an account.", 400)
    for identity, owner in tenant.accounts_for(connection):
        if tenant.identity_profile(identity, owner).get("email") == email:
            return _authenticated(request, tx, owner, connection)
    return _authenticated(request, tx, tenant.create_social_user(connection, email), connection)


async def otp_page(request: Request) -> Response:
    """``GET /u/login/passwordless-{email,sms}-challenge``: enter the code."""
    tx = _transaction(request)
    if tx is None or tx.pending_otp is None:
        return _html(_EXPIRED, 400)
    return _html(pages.otp(state=tx.id, connection=tx.pending_otp["connection"], to=tx.pending_otp["to"]))


async def otp_submit(request: Request) -> Response:
    """``POST /u/login/passwordless-…-challenge``: check the code, log in (or sign up)."""
    tenant = _tenant(request)
    form = await _form(request)
    tx = _transaction(request, form)
    if tx is None or tx.pending_otp is None:
        return _html(_EXPIRED, 400)
    pending = tx.pending_otp
    if not hmac.compare_digest(form.get("code", "").strip().encode(), pending["code"].encode()):
        return _html(
            pages.otp(
                state=tx.id,
                connection=pending["connection"],
                to=pending["to"],
                error="Wrong email or verification code."
                if pending["connection"] == "email"
                else "Wrong phone number or verification code.",
            ),
            400,
        )
    tx.pending_otp = None
    connection, to = pending["connection"], pending["to"]
    key = "phone_number" if connection == "sms" else "email"
    for identity, owner in tenant.accounts_for(connection):
        if tenant.identity_profile(identity, owner).get(key) == to:
            return _authenticated(request, tx, owner, connection)
    return _authenticated(request, tx, tenant.create_social_user(connection, to), connection)


async def consent_page(request: Request) -> Response:
    """``GET /u/consent``: the non-verifiable callback confirmation screen."""
    tx = _transaction(request)
    if tx is None or tx.user_id is None:
        return _html(_EXPIRED, 400)
    tenant = _tenant(request)
    return _html(
        pages.callback_confirm(
            state=tx.id,
            client_name=tenant.clients[tx.client_id].name,
            redirect_uri=tx.params["redirect_uri"],
        )
    )


async def consent_submit(request: Request) -> Response:
    """``POST /u/consent``: continue to the callback, or cancel with ``access_denied``."""
    tenant = _tenant(request)
    form = await _form(request)
    tx = _transaction(request, form)
    if tx is None or tx.user_id is None:
        return _html(_EXPIRED, 400)
    if form.get("action") != "accept":
        del tenant.transactions[tx.id]
        return _authorize_error(
            tx.params["redirect_uri"],
            tx.params.get("state"),
            "access_denied",
            "User did not authorize the request",
        )
    tx.prompted = True
    return _finish(request, tx, _matching_session(request, tx))


def _matching_session(request: Request, tx: Transaction) -> SsoSession | None:
    """The current SSO session if it is the one this transaction logged in silently with."""
    session = _session(request)
    if session is not None and session.user_id == tx.user_id and session.auth_time == tx.auth_time:
        return session
    return None


# -- token endpoints ------------------------------------------------------------------------


async def _params(request: Request) -> dict[str, str] | Response:
    """Form or JSON body (Auth0 accepts both), as a flat dict of strings."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if content_type == "application/json":
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return _json(400, {"error": "invalid_request", "error_description": "Invalid JSON body"})
        if not isinstance(data, dict):
            return _json(400, {"error": "invalid_request", "error_description": "Invalid JSON body"})
        return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items() if v is not None}
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    return unquote(user), unquote(password)


async def token(request: Request) -> Response:
    """``POST /oauth/token``."""
    params = await _params(request)
    if isinstance(params, Response):
        return params
    status, body = tokens.token_endpoint(_tenant(request), params, _basic(request))
    return _json(status, body)


async def device_code(request: Request) -> Response:
    """``POST /oauth/device/code``."""
    params = await _params(request)
    if isinstance(params, Response):
        return params
    status, body = tokens.device_authorization(_tenant(request), params)
    return _json(status, body)


async def revoke(request: Request) -> Response:
    """``POST /oauth/revoke``: 200 with an empty body."""
    params = await _params(request)
    if isinstance(params, Response):
        return params
    status, body = tokens.revoke(_tenant(request), params, _basic(request))
    if status == 200:  # noqa: PLR2004 - HTTP status
        return Response(b"", status_code=200)
    return _json(status, body)


async def userinfo(request: Request) -> Response:
    """``GET /userinfo`` with a Bearer access token."""
    tenant = _tenant(request)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    claims = tenant.key.verify(value.strip()) if scheme.lower() == "bearer" else None
    body = None
    if claims is not None and claims.get("exp", 0) > tenant.now():
        body = tokens.userinfo_claims(tenant, claims)
    if body is None:
        return Response(
            "Unauthorized",
            status_code=401,
            media_type="text/plain",
            headers={"www-authenticate": 'Bearer error="invalid_token"'},
        )
    return JSONResponse(body)


# -- device activation ----------------------------------------------------------------------


async def activate_page(request: Request) -> Response:
    """``GET /activate[?user_code=…]``: enter (or check) the code shown on the device."""
    return _html(pages.device_code(user_code=request.query_params.get("user_code", "")))


def _normalize_user_code(raw: str) -> str:
    letters = "".join(ch for ch in raw.upper() if ch.isalnum())
    return f"{letters[:4]}-{letters[4:]}" if len(letters) == 8 else raw.strip().upper()  # noqa: PLR2004 - code length


async def activate_submit(request: Request) -> Response:
    """``POST /activate``: find the pending device authorization, then confirm it."""
    tenant = _tenant(request)
    form = await _form(request)
    code = _normalize_user_code(form.get("user_code", ""))
    record: DeviceCode | None = next((d for d in tenant.device_codes.values() if d.user_code == code), None)
    if record is None or record.status != "pending" or record.expires <= tenant.now():
        return _html(
            pages.device_code(user_code=form.get("user_code", ""), error="Invalid or expired code."), 400
        )
    # The device flow honours no connection/prompt/max_age: the user picks on these pages.
    tx = Transaction(
        id=secrets.token_urlsafe(24),
        kind="device",
        client_id=record.client_id,
        params={},
        created=tenant.now(),
        device_code=record.device_code,
    )
    tenant.transactions[tx.id] = tx
    return _redirect(f"/u/device-confirm?{urlencode({'state': tx.id})}")


def _device_record(request: Request, tx: Transaction) -> DeviceCode | None:
    tenant = _tenant(request)
    record = tenant.device_codes.get(tx.device_code or "")
    if record is None or record.status != "pending" or record.expires <= tenant.now():
        return None
    return record


async def device_confirm_page(request: Request) -> Response:
    """``GET /u/device-confirm``: show the code and ask to confirm."""
    tx = _transaction(request)
    record = _device_record(request, tx) if tx is not None else None
    if tx is None or record is None:
        return _html(pages.device_code(error="Invalid or expired code."), 400)
    return _html(
        pages.device_confirm(
            state=tx.id,
            user_code=record.user_code,
            client_name=_tenant(request).clients[tx.client_id].name,
        )
    )


async def device_confirm_submit(request: Request) -> Response:
    """``POST /u/device-confirm``: confirm (then log in, or use the session) or cancel."""
    tenant = _tenant(request)
    form = await _form(request)
    tx = _transaction(request, form)
    record = _device_record(request, tx) if tx is not None else None
    if tx is None or record is None:
        return _html(pages.device_code(error="Invalid or expired code."), 400)
    if form.get("action") != "confirm":
        record.status = "denied"
        del tenant.transactions[tx.id]
        return _html(pages.device_done(approved=False))
    tx.prompted = True
    session = _session(request)
    if session is None:
        return _redirect(f"/u/login?{urlencode({'state': tx.id})}")
    tx.user_id, tx.login_connection, tx.auth_time = session.user_id, session.connection, session.auth_time
    return _finish_device(request, tx, session)


def _finish_device(request: Request, tx: Transaction, session: SsoSession | None) -> Response:
    tenant = _tenant(request)
    record = _device_record(request, tx)
    tenant.transactions.pop(tx.id, None)
    if record is None:
        return _html(pages.device_code(error="Invalid or expired code."), 400)
    new_session = session is None
    if session is None:
        session = _new_session(tenant, tx)
    user = tenant.users[session.user_id]
    tenant.record_login(user)
    record.status = "approved"
    record.user_id = user.user_id
    record.sid = session.sid
    record.auth_time = session.auth_time
    response = _html(pages.device_done(approved=True))
    if new_session:
        _set_session_cookie(response, session)
    return response


# -- logout ---------------------------------------------------------------------------------


def _end_session(request: Request, target: str | None) -> Response:
    tenant = _tenant(request)
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        tenant.sessions.pop(sid, None)
    # Allowed Logout URLs are undocumented for the demo client: any loopback http(s) URL.
    if target and urlsplit(target).scheme in ("http", "https") and is_non_verifiable(target):
        response: Response = _redirect(target)
    elif target:
        response = _html(
            pages.error(
                "invalid_request",
                f'The "returnTo" querystring parameter "{target}" is not defined as a valid URL '
                'in "Allowed Logout URLs".',
            ),
            400,
        )
    else:
        response = _html(pages.logged_out())
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def logout_v2(request: Request) -> Response:
    """``GET /v2/logout?client_id=…&returnTo=…``."""
    return _end_session(request, request.query_params.get("returnTo"))


async def logout_oidc(request: Request) -> Response:
    """``GET /oidc/logout?id_token_hint=…&post_logout_redirect_uri=…&state=…``."""
    target = request.query_params.get("post_logout_redirect_uri")
    state = request.query_params.get("state")
    if target and state:
        target = _with_query(target, {"state": state})
    return _end_session(request, target)


ROUTES = [
    Route("/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
    Route("/.well-known/jwks.json", jwks, methods=["GET"]),
    Route("/authorize", authorize, methods=["GET"]),
    Route("/u/login", login_page, methods=["GET"]),
    Route("/u/login", login_submit, methods=["POST"]),
    Route("/u/login/idp", idp_page, methods=["GET"]),
    Route("/u/login/idp", idp_submit, methods=["POST"]),
    Route("/u/login/passwordless-email-challenge", otp_page, methods=["GET"]),
    Route("/u/login/passwordless-email-challenge", otp_submit, methods=["POST"]),
    Route("/u/login/passwordless-sms-challenge", otp_page, methods=["GET"]),
    Route("/u/login/passwordless-sms-challenge", otp_submit, methods=["POST"]),
    Route("/u/consent", consent_page, methods=["GET"]),
    Route("/u/consent", consent_submit, methods=["POST"]),
    Route("/oauth/token", token, methods=["POST"]),
    Route("/oauth/device/code", device_code, methods=["POST"]),
    Route("/oauth/revoke", revoke, methods=["POST"]),
    Route("/userinfo", userinfo, methods=["GET", "POST"]),
    Route("/activate", activate_page, methods=["GET"]),
    Route("/activate", activate_submit, methods=["POST"]),
    Route("/u/device-confirm", device_confirm_page, methods=["GET"]),
    Route("/u/device-confirm", device_confirm_submit, methods=["POST"]),
    Route("/v2/logout", logout_v2, methods=["GET"]),
    Route("/oidc/logout", logout_oidc, methods=["GET"]),
]
