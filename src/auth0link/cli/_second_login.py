"""The browser second login of ``link`` and of restoring an unlinked account (``unlink --restore-metadata``).

Auth0 allows no linking through the device flow, and restoring an account's own metadata needs
that account's token, so both sign the account in through the browser (PKCE, forced fresh): the
URL on stderr, with the ``ssh -L`` line when no browser is opened here. Tests inject their own
(``Services(second_login=…)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from auth0link.application import Application
    from auth0link.usecases.second_login import SecondLogin, SecondLoginRequest, SignIn, SignInPurpose


def browser_sign_in(app: Application, *, no_browser: bool, timeout: float) -> SignIn:
    """The browser sign-in a use case asks for with its purpose (restoring an unlinked account)."""

    def sign_in(purpose: SignInPurpose) -> Callable[[SecondLoginRequest], SecondLogin]:
        return _browser_second_login(app, no_browser=no_browser, timeout=timeout, purpose=purpose)

    return sign_in


def _browser_second_login(
    app: Application, *, no_browser: bool, timeout: float, purpose: SignInPurpose
) -> Callable[[SecondLoginRequest], SecondLogin]:
    """A forced-fresh browser login; ``purpose.text`` is the line above the URL ("Sign in to …")."""
    from auth0link.auth.accepted_callbacks import AcceptedCallbacks
    from auth0link.auth.pkce import DEFAULT_CALLBACK_PORTS, PkceRequest
    from auth0link.usecases import second_login

    if app.second_login is not None:  # injected (tests, scripts driving their own browser)
        return app.second_login
    settings = app.settings
    unavailable = None if no_browser else settings.browser_unavailable
    print_only = no_browser or unavailable is not None

    def on_url(url: str) -> None:
        if settings.callback_ports:
            app.output.callback_port_note(url, first_port=settings.callback_ports[0])
        if unavailable is not None:
            app.output.info(f"No browser can be opened here ({unavailable}); open the URL elsewhere.")
        app.output.info(f"{purpose.text} (a fresh login is required):")
        app.output.info(f"  {url}")
        if print_only:
            app.output.ssh_hint(url, default_port=settings.callback_ports[0])

    first_port = settings.callback_ports[0] if settings.callback_ports else DEFAULT_CALLBACK_PORTS[0]
    pkce = PkceRequest(
        endpoints=app.endpoints,
        jwks_provider=app.jwks,
        client_id=settings.require_client_id,
        scope=settings.scopes,
        audience=settings.api_audience,
        callback_ports=settings.callback_ports,
        timeout=timeout,
        timeout_hint=purpose.timeout_hint or second_login.link_timeout_hint(first_port),
        retry_hint=purpose.retry_hint or second_login.LINK_RETRY_HINT,
    )
    return second_login.BrowserSecondLogin(
        app.client(),
        pkce,
        open_browser=(lambda _url: False) if print_only else app.open_browser,
        on_url=on_url,
        accepted=AcceptedCallbacks(app.cache_dir),
        waiting=app.output.waiting,
    )


def link_sign_in(app: Application, *, from_stdin: bool, no_browser: bool, timeout: float) -> SignIn:
    """``link``'s second login: the ID token on stdin, or the browser (PKCE, URL on stderr; injectable)."""

    def sign_in(purpose: SignInPurpose) -> Callable[[SecondLoginRequest], SecondLogin]:
        if from_stdin:
            return _stdin_second_login(app)
        return _browser_second_login(app, no_browser=no_browser, timeout=timeout, purpose=purpose)

    return sign_in


def _stdin_second_login(app: Application) -> Callable[[SecondLoginRequest], SecondLogin]:
    """``link --id-token -``: the secondary account's ID token, read (and checked) now."""
    import sys

    from auth0link import _stdin
    from auth0link.errors import Fix, cmd
    from auth0link.usecases import second_login

    hint = Fix(
        "pipe the secondary account's ID token in: … | ",
        cmd("link", "--id-token", "-", "--no-merge-metadata"),
    )
    token = _stdin.read_text(sys.stdin, what="an ID token", hint=hint)
    return second_login.stdin_second_login(
        token,
        jwks_provider=app.jwks,
        issuer=app.endpoints.issuer,
        client_id=app.settings.require_client_id,
        clock=app.clock,
    )
