"""A scripted "user" for the emulator's hosted login pages.

There is no back door: it reads and submits the same HTML forms a person would, with httpx and
a cookie jar kept across calls.

From Python::

    agent = LoginAgent()
    callback = agent.complete_authorize(authorize_url, email="alice@example.com",
                                        password="correct-horse-alice")
    agent.approve_device(verification_uri_complete, email="bob@example.com",
                         password="correct-horse-bob")

``complete_authorize`` follows ``/authorize`` through the login page (or the SSO session), the
social account chooser, the passwordless code (read from the emulator's test outbox, as a person
would read their mail) and the non-verifiable-callback confirmation screen, until the redirect to
the app's ``redirect_uri``; it then GETs that URL (so the app's loopback listener receives it) and
returns it. ``approve_device`` does the user's part of the device flow from ``/activate``.

As a browser, for code that calls :func:`webbrowser.open`::

    BROWSER="/path/to/python -m auth0link.emulator.testing.agent --email alice@example.com \
        --password correct-horse-alice %s"

It exits 0 on success and 1 with one line on stderr otherwise. Defaults come from
``AUTH0LINK_AGENT_EMAIL``, ``AUTH0LINK_AGENT_PASSWORD``, ``AUTH0LINK_AGENT_CONNECTION`` and
``AUTH0LINK_AGENT_COOKIES`` (a JSON file keeping the SSO cookie between runs); passwordless
logins need ``AUTH0LINK_EMULATOR_TOKEN`` (printed by ``auth0link emulator``) to read the outbox.

Like the CLI, it trusts the emulator's CA through ``--ca-bundle FILE`` or
``AUTH0LINK_CA_BUNDLE`` (the file ``auth0link emulator`` prints); without either, httpx's
default trust applies (``SSL_CERT_FILE`` works too).

This module imports only the standard library and httpx (no Starlette), so the CLI's tests and
demo can use it with the core dependencies.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from ..web.guard import TOKEN_ENV, control_headers
from .page_reader import Form, PageParser

DATABASE = "Username-Password-Authentication"
MAX_STEPS = 30
ENV_CA_BUNDLE = "AUTH0LINK_CA_BUNDLE"


class AgentError(Exception):
    """The scripted login could not be completed (the message is one line)."""


@dataclass
class _Goal:
    email: str | None
    password: str | None
    connection: str | None
    deny: bool
    user_code: str | None = None
    submitted: set[str] = field(default_factory=set)


class LoginAgent:
    """A browser-like user: one cookie jar for all its logins (so the SSO session persists)."""

    def __init__(
        self,
        *,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        outbox_wait: float = 5.0,
        ca_bundle: str | Path | None = None,
        control_token: str | None = None,
    ) -> None:
        """Use ``client`` (e.g. with an ASGI transport) or a new httpx client.

        A new client trusts the CA in ``ca_bundle`` (default: ``$AUTH0LINK_CA_BUNDLE``), else
        httpx's default CAs. ``control_token`` (default: ``$AUTH0LINK_EMULATOR_TOKEN``) lets it
        read one-time codes from the emulator's test outbox.
        """
        self.control_token = control_token or os.environ.get(TOKEN_ENV)
        if client is None:
            bundle = ca_bundle or os.environ.get(ENV_CA_BUNDLE)
            verify = ssl.create_default_context(cafile=str(bundle)) if bundle else True
            client = httpx.Client(timeout=timeout, verify=verify)
        self.client = client
        self.outbox_wait = outbox_wait

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def __enter__(self) -> Self:
        """Context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close."""
        self.close()

    # -- public API ---------------------------------------------------------------------------

    def complete_authorize(
        self,
        url: str,
        *,
        email: str | None = None,
        password: str | None = None,
        connection: str | None = None,
        deny: bool = False,
        deliver: bool = True,
    ) -> str:
        """Log in at ``url`` (an ``/authorize`` URL) and return the callback URL reached.

        ``deny`` cancels the confirmation screen. With ``deliver`` (default) the callback URL is
        fetched, so the application's loopback listener receives it.
        """
        goal = _Goal(email, password, connection, deny)
        callback = self._drive(self._get(url), goal, origin=_origin(url))
        if callback is None:
            raise AgentError("the login ended without a redirect to the application")
        if deliver:
            try:
                self.client.get(callback, follow_redirects=False)
            except httpx.HTTPError as exc:
                raise AgentError(f"could not deliver the callback to {_origin(callback)}: {exc}") from exc
        return callback

    def approve_device(
        self,
        url: str,
        *,
        user_code: str | None = None,
        email: str | None = None,
        password: str | None = None,
        connection: str | None = None,
        deny: bool = False,
    ) -> None:
        """Enter (or confirm) the user code at ``url`` (``/activate[?user_code=…]``) and log in."""
        code = user_code or parse_qs(urlsplit(url).query).get("user_code", [None])[0]
        goal = _Goal(email, password, connection, deny, user_code=code)
        self._drive(self._get(url), goal, origin=_origin(url))

    # -- the page loop ------------------------------------------------------------------------

    def _get(self, url: str) -> httpx.Response:
        try:
            return self.client.get(url, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise AgentError(f"GET {_origin(url)}{urlsplit(url).path} failed: {exc}") from exc

    def _submit(self, response: httpx.Response, form: Form, data: dict[str, str]) -> httpx.Response:
        url = urljoin(str(response.url), form.action or str(response.url))
        try:
            if form.method == "post":
                return self.client.post(url, data=data, follow_redirects=False)
            return self.client.get(url, params=data, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise AgentError(f"submitting {form.id} failed: {exc}") from exc

    def _drive(self, response: httpx.Response, goal: _Goal, *, origin: str) -> str | None:
        """Follow redirects and answer pages until the app's callback (returned) or a last page."""
        for _ in range(MAX_STEPS):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if _origin(location) != origin:
                    return location
                response = self._get(location)
                continue
            page = PageParser()
            page.feed(response.text)
            if _last_page(page, goal):
                return None
            response = self._answer(response, page, goal, origin)
        raise AgentError("too many steps; the login is looping")

    def _answer(self, response: httpx.Response, page: PageParser, goal: _Goal, origin: str) -> httpx.Response:
        """Fill in and submit the one form this page is about."""
        forms = page.forms
        error = page.texts.get("error-message", "").strip()
        for form_id, (yes, no) in _CHOICES.items():
            if form_id in forms:
                form = forms[form_id]
                return self._submit(response, form, {**form.fields, "action": no if goal.deny else yes})
        if "device-code-form" in forms:
            self._once(goal, "device-code-form", error)
            if not goal.user_code:
                raise AgentError("a user code is needed (pass the verification_uri_complete)")
            form = forms["device-code-form"]
            return self._submit(response, form, {**form.fields, "user_code": goal.user_code})
        if "otp-form" in forms:
            self._once(goal, "otp-form", error)
            form = forms["otp-form"]
            return self._submit(response, form, {**form.fields, "code": self._read_code(origin, goal)})
        if "passwordless-start" in forms:
            self._once(goal, "passwordless-start", error)
            form = forms["passwordless-start"]
            key = "phone_number" if "phone_number" in form.fields else "email"
            return self._submit(response, form, {**form.fields, key: self._email(goal)})
        if "idp-account-chooser" in forms:
            self._once(goal, "idp", error)
            return self._choose_account(response, forms, goal)
        if page.main_id == "login":
            return self._login(response, page, goal, error)
        raise AgentError(
            f"unexpected page {response.url.path} (HTTP {response.status_code})"
            + (f": {error}" if error else "")
        )

    def _login(self, response: httpx.Response, page: PageParser, goal: _Goal, error: str) -> httpx.Response:
        """The Universal Login page: the password form, or the link to the wanted connection."""
        wanted = goal.connection or (DATABASE if goal.password is not None else None)
        if wanted in (None, DATABASE) and "login-form" in page.forms:
            self._once(goal, "login-form", error)
            if goal.password is None:
                raise AgentError(
                    "the login page asks for a password; pass --password "
                    "(or --connection for a social or passwordless login)"
                )
            form = page.forms["login-form"]
            data = {**form.fields, "username": self._email(goal), "password": goal.password}
            return self._submit(response, form, data)
        if f"connection-{wanted}" in page.links:
            return self._get(urljoin(str(response.url), page.links[f"connection-{wanted}"]))
        raise AgentError(
            f"the login page offers no connection {wanted!r}"
            if wanted
            else "cannot choose a connection: pass --password or --connection"
        )

    @staticmethod
    def _once(goal: _Goal, step: str, error: str) -> None:
        """Refuse to submit the same form twice (the page came back with an error)."""
        if step in goal.submitted:
            raise AgentError(error or f"the {step} step was refused")
        goal.submitted.add(step)

    @staticmethod
    def _email(goal: _Goal) -> str:
        if not goal.email:
            raise AgentError("the page asks for an email address; pass --email")
        return goal.email

    def _choose_account(
        self, response: httpx.Response, forms: dict[str, Form], goal: _Goal
    ) -> httpx.Response:
        email = self._email(goal).lower()
        chooser = forms["idp-account-chooser"]
        for _bid, name, value, text in chooser.buttons:
            if text.lower().endswith(email) or value == email:
                return self._submit(response, chooser, {**chooser.fields, name: value})
        other = forms["idp-other-account"]
        return self._submit(response, other, {**other.fields, "email": email})

    def _read_code(self, origin: str, goal: _Goal) -> str:
        """Read the newest one-time code sent to the user (the emulator's test outbox)."""
        deadline = time.monotonic() + self.outbox_wait
        to = self._email(goal)
        while True:
            headers = control_headers(self.control_token) if self.control_token else {}
            reply = self.client.get(origin + "/__emulator/outbox", params={"to": to}, headers=headers)
            if reply.status_code == 401:  # noqa: PLR2004 - HTTP status
                raise AgentError(f"the emulator's outbox needs its control token: set {TOKEN_ENV}")
            messages = reply.json().get("messages", []) if reply.status_code == 200 else []  # noqa: PLR2004 - HTTP status
            if messages:
                return str(messages[-1]["code"])
            if time.monotonic() > deadline:
                raise AgentError(f"no one-time code arrived for {to}")
            time.sleep(0.05)


# Forms answered with a button: form id -> (value to go on, value to refuse).
_CHOICES = {
    "callback-confirm-form": ("accept", "deny"),
    "device-confirm-form": ("confirm", "cancel"),
}


def _last_page(page: PageParser, goal: _Goal) -> bool:
    """Whether ``page`` ends the login without a callback (device done); raise if it failed."""
    if page.main_id == "error-page":
        code = page.texts.get("error-code", "error").strip()
        raise AgentError(f"{code}: {page.texts.get('error-description', '').strip()}")
    if page.main_id == "device-denied" and not goal.deny:
        raise AgentError("the device request was denied")
    return page.main_id in ("device-success", "device-denied")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


_DEFAULT: LoginAgent | None = None


def _default_agent() -> LoginAgent:
    global _DEFAULT  # noqa: PLW0603 - one shared browser for the module-level helpers
    if _DEFAULT is None:
        _DEFAULT = LoginAgent()
    return _DEFAULT


def complete_authorize(url: str, **kwargs: Any) -> str:
    """:meth:`LoginAgent.complete_authorize` on a shared agent (cookies kept across calls)."""
    return _default_agent().complete_authorize(url, **kwargs)


def approve_device(url: str, **kwargs: Any) -> None:
    """:meth:`LoginAgent.approve_device` on a shared agent (cookies kept across calls)."""
    _default_agent().approve_device(url, **kwargs)


def _load_cookies(client: httpx.Client, path: Path) -> None:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for entry in entries if isinstance(entries, list) else []:
        client.cookies.set(entry["name"], entry["value"], domain=entry["domain"], path=entry["path"])


def _save_cookies(client: httpx.Client, path: Path) -> None:
    entries = [
        {"name": c.name, "value": c.value, "domain": c.domain, "path": c.path} for c in client.cookies.jar
    ]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(entries, handle)


def main(argv: list[str] | None = None) -> int:
    """``python -m auth0link.emulator.testing.agent [options] URL`` (usable as ``$BROWSER``)."""
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="python -m auth0link.emulator.testing.agent",
        description="Complete an emulator login (/authorize or /activate URL) like a user.",
    )
    parser.add_argument("url")
    parser.add_argument("--email", default=env.get("AUTH0LINK_AGENT_EMAIL"))
    parser.add_argument("--password", default=env.get("AUTH0LINK_AGENT_PASSWORD"))
    parser.add_argument("--connection", default=env.get("AUTH0LINK_AGENT_CONNECTION"))
    parser.add_argument("--user-code", default=None)
    parser.add_argument("--deny", action="store_true")
    parser.add_argument("--cookies", type=Path, default=env.get("AUTH0LINK_AGENT_COOKIES"))
    parser.add_argument("--ca-bundle", type=Path, default=env.get(ENV_CA_BUNDLE))
    args = parser.parse_args(argv)
    try:
        agent = LoginAgent(ca_bundle=args.ca_bundle)
    except OSError as exc:
        sys.stderr.write(f"agent: error: cannot read the CA bundle {args.ca_bundle}: {exc.strerror or exc}\n")
        return 1
    try:
        if args.cookies:
            _load_cookies(agent.client, args.cookies)
        if urlsplit(args.url).path.rstrip("/").endswith("/activate"):
            agent.approve_device(
                args.url,
                user_code=args.user_code,
                email=args.email,
                password=args.password,
                connection=args.connection,
                deny=args.deny,
            )
        else:
            agent.complete_authorize(
                args.url,
                email=args.email,
                password=args.password,
                connection=args.connection,
                deny=args.deny,
            )
        if args.cookies:
            _save_cookies(agent.client, args.cookies)
    except AgentError as exc:
        sys.stderr.write(f"agent: error: {exc}\n")
        return 1
    finally:
        agent.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
