"""The second login of ``link``: the browser (PKCE, forced fresh) or an ID token from stdin.

:class:`BrowserSecondLogin` runs :func:`~auth0link.auth.pkce.run_pkce_login` with
``prompt=login``, ``max_age=0`` and ``require_fresh_auth`` (``auth_time`` must not predate the
start of the login); :func:`stdin_second_login` validates a token read from stdin like a login's
(signature, ``iss``, ``aud``, ``exp``), though ``nonce`` and ``auth_time`` cannot be checked
there. Both return a :class:`SecondLogin`.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any, Final, Protocol

from auth0link.errors import Fix, IdTokenError, UsageError, clause, cmd
from auth0link.tokens import TokenSet

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from contextlib import AbstractContextManager

    from auth0link.auth.accepted_callbacks import AcceptedCallbacks
    from auth0link.auth.pkce import PkceRequest, PkceResult
    from auth0link.client import Auth0Client
    from auth0link.models import TokenResponse


@dataclasses.dataclass(frozen=True)
class SecondLoginRequest:
    """What the second login must ask the authorization server for."""

    connection: str | None
    login_hint: str | None
    prompt: str = "login"
    max_age: int = 0
    require_fresh_auth: bool = True


@dataclasses.dataclass(frozen=True)
class SecondLogin:
    """A validated second login: its ID token, claims and (browser flow only) its tokens.

    ``tokens`` is None and ``started_at`` is None when the ID token was read from stdin
    (``--id-token -``): then there is no access token, and neither ``nonce`` nor ``auth_time``
    could be checked against a login we started.
    """

    id_token: str = dataclasses.field(repr=False)
    claims: Mapping[str, Any]
    tokens: TokenResponse | None = None
    started_at: float | None = None

    @property
    def sub(self) -> str:
        """The secondary user's ID (``google-oauth2|109…``)."""
        sub = self.claims.get("sub")
        return sub if isinstance(sub, str) else ""

    @property
    def access_token(self) -> str | None:
        """The secondary's own access token (None for ``--id-token -``)."""
        return self.tokens.access_token if self.tokens else None


@dataclasses.dataclass(frozen=True)
class SignInPurpose:
    """Why an account signs in again: the line above the URL, and what to run when that fails.

    A hint left None is the link's own (:func:`link_timeout_hint`, :data:`LINK_RETRY_HINT`).
    """

    text: str
    timeout_hint: Fix | str | None = None
    retry_hint: Fix | str | None = None


class SignIn(Protocol):
    """What a command gives a use case to sign an account in again (the browser; for link, stdin too)."""

    def __call__(self, purpose: SignInPurpose) -> Callable[[SecondLoginRequest], SecondLogin]:
        """The second login for ``purpose``, ready to be called with what it must ask for."""
        ...


def session_from_login(login: SecondLogin, *, now: float) -> TokenSet:
    """The stored session for the new primary after ``--primary secondary``."""
    tokens = login.tokens
    assert tokens is not None
    return TokenSet(
        access_token=tokens.access_token,
        expires_at=now + tokens.expires_in,
        token_type=tokens.token_type,
        scope=tokens.scope,
        refresh_token=tokens.refresh_token,
        id_token=tokens.id_token or login.id_token,
        user_id=login.sub,
    )


#: what to do after the second login was refused (the browser, the ID token): link again
LINK_RETRY_HINT: Final = Fix(
    "run the same ",
    cmd("link"),
    " command again and sign in to the account to link when the login page opens",
)


@dataclasses.dataclass(frozen=True)
class BrowserSecondLogin:
    """The browser second login: PKCE with the request's ``prompt``/``max_age``/``connection``.

    ``pkce`` names the application (endpoints, client, scope, audience, callback ports, timeout
    and hints); each call adds what the :class:`SecondLoginRequest` asks for. ``run_pkce_login``
    makes its own ``state`` and ``nonce`` and, with ``require_fresh_auth``, checks ``auth_time``
    against the moment it started. ``accepted`` caches the provider's yes to the callback URL
    (one request fewer on every later login); ``waiting`` shows a spinner with the time left once
    the URL is out, as ``login`` does.
    """

    client: Auth0Client
    pkce: PkceRequest
    open_browser: Callable[[str], bool]
    on_url: Callable[[str], None]
    accepted: AcceptedCallbacks | None = None
    waiting: Callable[[str], AbstractContextManager[Callable[[float], None]]] | None = None

    def __call__(self, request: SecondLoginRequest) -> SecondLogin:
        """Sign the account in (forced fresh) and validate its ID token."""
        from auth0link.auth.pkce import run_pkce_login
        from auth0link.usecases.login import LazySpinner, no_spinner, ticking_clock

        pkce = dataclasses.replace(
            self.pkce,
            connection=request.connection,
            login_hint=request.login_hint,
            prompt=request.prompt,
            max_age=request.max_age,
            require_fresh_auth=request.require_fresh_auth,
        )
        with LazySpinner(self.waiting or no_spinner, "Waiting for the sign-in in the browser") as spinner:
            result = run_pkce_login(
                self.client,
                pkce,
                open_browser=self.open_browser,
                on_url=self.on_url,
                clock=ticking_clock(spinner.tick, time.monotonic() + pkce.timeout),
                accepted=self.accepted,
            )
        return _second_login_of(result)


def _second_login_of(result: PkceResult) -> SecondLogin:
    """The second login a PKCE login gave: it must carry an ID token to link."""
    if not (id_token := result.tokens.id_token):
        raise IdTokenError("The second login returned no ID token, so it cannot be linked.")
    return SecondLogin(
        id_token=id_token, claims=result.claims, tokens=result.tokens, started_at=result.started_at
    )


def link_timeout_hint(port: int) -> Fix:
    """What to do when the second login of ``link`` did not come back in time (link has no --device)."""
    return Fix(
        "run ",
        cmd("link"),
        " again with a longer --timeout SECONDS; if the browser is on another "
        "machine, pass --no-browser and first forward the callback port there "
        f"(ssh -L {port}:127.0.0.1:{port} HOST), or pipe that account's ID token into: ",
        cmd("link", "--id-token", "-", "--no-merge-metadata", "--yes"),
    )


def stdin_second_login(
    id_token: str,
    *,
    jwks_provider: Callable[[], dict[str, Any]],
    issuer: str,
    client_id: str,
    clock: Callable[[], float] = time.time,
) -> Callable[[SecondLoginRequest], SecondLogin]:
    """``--id-token -``: validate the token like a login's (signature, ``iss``, ``aud``, ``exp``).

    ``nonce`` and ``auth_time`` cannot be checked (we did not start that login), and there is
    no access token for the secondary account.
    """
    token = id_token.strip()

    def login(_request: SecondLoginRequest) -> SecondLogin:
        from auth0link.auth.oidc import validate_with_provider

        if not token:
            raise UsageError(
                "No ID token on stdin.", hint="pipe the secondary account's ID token into --id-token -"
            )
        try:
            claims = validate_with_provider(
                token,
                jwks_provider=jwks_provider,
                issuer=issuer,
                client_id=client_id,
                nonce=None,
                now=clock(),
            )
        except IdTokenError as exc:
            why = exc.message.removeprefix("The ID token was refused:").strip()
            raise IdTokenError(
                f"The ID token read from stdin (--id-token -) was refused: {clause(why)}.",
                hint=Fix(
                    f"pipe a current ID token of the account to link, issued by {issuer} to this "
                    f"application ({client_id}); ID tokens expire within hours, so sign in to that account "
                    "again to get one, or link in the browser instead (",
                    cmd("link", "--no-browser"),
                    ")",
                ),
            ) from None
        return SecondLogin(id_token=token, claims=claims, tokens=None, started_at=None)

    return login
