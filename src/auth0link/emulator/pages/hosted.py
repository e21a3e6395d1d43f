"""The HTML pages of the hosted login: plain forms, stable ids and names, and the app responses.

Every page is easy to drive from a real browser (Playwright) or from httpx (see
:mod:`auth0link.emulator.testing.agent`): each form has a stable ``id``, each input a stable ``id`` and
``name``, each button a stable ``id``. Form ids (the agent keys on them):

==============================  ========================================================
``login-form``                  database login: ``username``, ``password``
``connection-<name>``           a link (``<a>``) to another connection's page
``idp-account-chooser``         a social IdP's "continue as": one ``account`` button each
``idp-other-account``           a social IdP's "use another account": ``email``
``passwordless-start``          passwordless: ``email`` or ``phone_number``
``otp-form``                    passwordless: ``code``
``callback-confirm-form``       non-verifiable callback confirmation: ``action`` accept/deny
``device-code-form``            ``/activate``: ``user_code``
``device-confirm-form``         device confirmation: ``action`` confirm/cancel
==============================  ========================================================

Terminal pages carry ``<main id="…">``: ``device-success``, ``device-denied``, ``error-page``
(with ``error-code`` and ``error-description``), ``logged-out``. The answers to the application
for ``response_mode=form_post`` (``form-post-page``: a self-submitting ``form-post`` form) and
``web_message`` (``web-message``: the response as JSON in ``#authorization-response``, posted
to the opener or parent) are the only pages with JavaScript.
"""

from __future__ import annotations

import json
from html import escape

_STYLE = (
    "body{font-family:system-ui,sans-serif;background:#f2f4f7;margin:0}"
    "main{max-width:420px;margin:48px auto;background:#fff;padding:32px;border-radius:8px;"
    "box-shadow:0 2px 8px #0002}label{display:block;margin-top:12px}"
    "input{width:100%;padding:8px;box-sizing:border-box}button{margin-top:16px;padding:8px 16px}"
    ".error{color:#b00020}.code{font:700 28px monospace;letter-spacing:4px}"
)


def _page(title: str, body: str, *, main_id: str = "page") -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body><main id="{main_id}"><h1>{escape(title)}</h1>{body}</main></body></html>'
    )


def _error(message: str | None) -> str:
    if not message:
        return ""
    return f'<p id="error-message" class="error" role="alert">{escape(message)}</p>'


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{name}" value="{escape(value)}">'


def login(
    *,
    state: str,
    client_name: str,
    login_hint: str = "",
    error: str | None = None,
    others: list[str] | None = None,
    database: bool = True,
) -> str:
    """The Universal Login page: database form plus links to other connections."""
    parts = [f"<p>Log in to continue to {escape(client_name)}.</p>", _error(error)]
    if database:
        parts.append(
            f'<form id="login-form" method="post" action="/u/login?state={escape(state)}">'
            f"{_hidden('state', state)}"
            '<label for="username">Email address</label>'
            f'<input id="username" name="username" type="email" autocomplete="username" '
            f'value="{escape(login_hint)}" required>'
            '<label for="password">Password</label>'
            '<input id="password" name="password" type="password" '
            'autocomplete="current-password" required>'
            '<button id="login-submit" type="submit" name="action" value="default">'
            "Continue</button></form>"
        )
    parts.extend(
        f'<p><a id="connection-{escape(name)}" '
        f'href="/u/login/idp?state={escape(state)}&amp;connection={escape(name)}">'
        f"Continue with {escape(name)}</a></p>"
        for name in others or []
    )
    return _page("Welcome", "".join(parts), main_id="login")


def idp_chooser(
    *, state: str, connection: str, accounts: list[tuple[str, str]], error: str | None = None
) -> str:
    """A social IdP's account chooser: (identity id, label) pairs plus "another account"."""
    buttons = "".join(
        f'<button id="account-{index}" type="submit" name="account" value="{escape(account)}">'
        f"Continue as {escape(label)}</button><br>"
        for index, (account, label) in enumerate(accounts)
    )
    action = f"/u/login/idp?state={escape(state)}&amp;connection={escape(connection)}"
    body = (
        f"<p>Sign in with {escape(connection)} (emulated identity provider).</p>{_error(error)}"
        f'<form id="idp-account-chooser" method="post" action="{action}">'
        f"{_hidden('state', state)}{_hidden('connection', connection)}{buttons}</form>"
        f'<form id="idp-other-account" method="post" action="{action}">'
        f"{_hidden('state', state)}{_hidden('connection', connection)}"
        '<label for="other-email">Use another account</label>'
        '<input id="other-email" name="email" type="email" required>'
        '<button id="other-submit" type="submit">Continue</button></form>'
    )
    return _page(f"Sign in with {connection}", body, main_id="idp")


def passwordless_start(*, state: str, connection: str, login_hint: str = "", error: str | None = None) -> str:
    """Ask for the email address or phone number to send a one-time code to."""
    field = "phone_number" if connection == "sms" else "email"
    kind = "tel" if connection == "sms" else "email"
    label = "Phone number" if connection == "sms" else "Email address"
    action = f"/u/login/idp?state={escape(state)}&amp;connection={escape(connection)}"
    body = (
        f"<p>We will send you a one-time code.</p>{_error(error)}"
        f'<form id="passwordless-start" method="post" action="{action}">'
        f"{_hidden('state', state)}{_hidden('connection', connection)}"
        f'<label for="{field}">{label}</label>'
        f'<input id="{field}" name="{field}" type="{kind}" value="{escape(login_hint)}" required>'
        '<button id="passwordless-submit" type="submit">Send code</button></form>'
    )
    return _page("Passwordless login", body, main_id="passwordless")


def otp(*, state: str, connection: str, to: str, error: str | None = None) -> str:
    """Enter the one-time code that was sent."""
    challenge = "sms" if connection == "sms" else "email"
    body = (
        f"<p>Enter the code sent to {escape(to)}.</p>{_error(error)}"
        f'<form id="otp-form" method="post" '
        f'action="/u/login/passwordless-{challenge}-challenge?state={escape(state)}">'
        f"{_hidden('state', state)}"
        '<label for="code">Code</label>'
        '<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>'
        '<button id="otp-submit" type="submit">Continue</button></form>'
    )
    return _page("Verify your identity", body, main_id="otp")


def callback_confirm(*, state: str, client_name: str, redirect_uri: str) -> str:
    """Auth0's confirmation screen for non-verifiable (loopback/custom scheme) callbacks."""
    body = (
        f"<p>{escape(client_name)} is asking to complete your login and send you back to "
        f'<code id="redirect-target">{escape(redirect_uri)}</code>, an address Auth0 cannot '
        "verify. Continue only if you started this login.</p>"
        f'<form id="callback-confirm-form" method="post" action="/u/consent?state={escape(state)}">'
        f"{_hidden('state', state)}"
        '<button id="confirm-accept" type="submit" name="action" value="accept">Continue</button>'
        '<button id="confirm-deny" type="submit" name="action" value="deny">Cancel</button>'
        "</form>"
    )
    return _page("Confirm your login", body, main_id="callback-confirm")


def device_code(*, user_code: str = "", error: str | None = None) -> str:
    """``/activate``: enter the code shown on the device."""
    body = (
        f"<p>Enter the code displayed on your device.</p>{_error(error)}"
        '<form id="device-code-form" method="post" action="/activate">'
        '<label for="user-code">Code</label>'
        f'<input id="user-code" name="user_code" value="{escape(user_code)}" '
        'autocomplete="off" required>'
        '<button id="device-code-submit" type="submit">Continue</button></form>'
    )
    return _page("Device Activation", body, main_id="device-activation")


def device_confirm(*, state: str, user_code: str, client_name: str) -> str:
    """Confirm that the code matches the device."""
    body = (
        f"<p>{escape(client_name)} is asking to access your account. Confirm that this code "
        f'matches the one on your device:</p><p id="confirm-user-code" class="code">'
        f"{escape(user_code)}</p>"
        f'<form id="device-confirm-form" method="post" '
        f'action="/u/device-confirm?state={escape(state)}">{_hidden("state", state)}'
        '<button id="device-confirm" type="submit" name="action" value="confirm">Confirm</button>'
        '<button id="device-cancel" type="submit" name="action" value="cancel">Cancel</button>'
        "</form>"
    )
    return _page("Device Confirmation", body, main_id="device-confirmation")


def device_done(*, approved: bool) -> str:
    """The last page of the device flow."""
    if approved:
        return _page(
            "Congratulations, you're all set!",
            "<p>Your device is now connected. You can close this window.</p>",
            main_id="device-success",
        )
    return _page(
        "Access denied",
        "<p>You cancelled the request. Your device was not connected.</p>",
        main_id="device-denied",
    )


def error(code: str, description: str, hint: str = "") -> str:
    """Auth0's hosted error page (shown when the error cannot be sent to the app)."""
    body = (
        f'<p id="error-code">{escape(code)}</p>'
        f'<p id="error-description" class="error">{escape(description)}</p>'
        + (f'<p id="error-hint">{escape(hint)}</p>' if hint else "")
    )
    return _page("Oops!, something went wrong", body, main_id="error-page")


def logged_out() -> str:
    """``/v2/logout`` without ``returnTo``."""
    return _page("Logged out", "<p>OK</p>", main_id="logged-out")


def form_post(*, action: str, params: dict[str, str]) -> str:
    """``response_mode=form_post``: a form that posts the response to the app by itself."""
    fields = "".join(_hidden(name, value) for name, value in params.items())
    body = (
        f'<form id="form-post" method="post" action="{escape(action)}">{fields}'
        '<noscript><button id="form-post-submit" type="submit">Continue</button></noscript></form>'
        "<script>document.getElementById('form-post').submit();</script>"
    )
    return _page("Submit This Form", body, main_id="form-post-page")


def _script_json(value: object) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>``, no HTML comment openers)."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def web_message(*, target_origin: str, response: dict[str, str]) -> str:
    """``response_mode=web_message``: post the response to the opener (popup) or parent (iframe).

    The message is ``{type: "authorization_response", response: {…}}``, sent to the origin of
    the ``redirect_uri`` only, which is what auth0-spa-js listens for.
    """
    data = _script_json({"targetOrigin": target_origin, "response": response})
    body = (
        f'<script type="application/json" id="authorization-response">{data}</script>'
        "<script>(function () {"
        'var data = JSON.parse(document.getElementById("authorization-response").textContent);'
        "var main = window.opener ? window.opener : window.parent;"
        'main.postMessage({type: "authorization_response", response: data.response}, data.targetOrigin);'
        "})();</script>"
    )
    return _page("Authorization Response", body, main_id="web-message")


def co_fallback(*, frame: str, frame_origin: str, co_id: str, authorize_query: str) -> str:
    """Cross-origin verification fallback: ask the app's page in an iframe for the verifier.

    auth0-js ``crossOriginVerification`` answers ``co_verifier_request`` with
    ``co_verifier_response``; the verifier is then posted to ``/co/verify``.
    """
    data = _script_json({"frameOrigin": frame_origin, "coId": co_id})
    body = (
        '<form id="co-verify" method="post" action="/co/verify">'
        f"{_hidden('authorize_query', authorize_query)}"
        f"{_hidden('verifier', '')}</form>"
        f'<iframe id="co-frame" title="verification" src="{escape(frame)}" hidden></iframe>'
        f'<script type="application/json" id="co-data">{data}</script>'
        "<script>(function () {"
        'var data = JSON.parse(document.getElementById("co-data").textContent);'
        'var frame = document.getElementById("co-frame");'
        'window.addEventListener("message", function (evt) {'
        "if (evt.origin !== data.frameOrigin || !evt.data) { return; }"
        'if (evt.data.type === "ready") {'
        'var ask = {type: "co_verifier_request", request: {id: data.coId}};'
        "frame.contentWindow.postMessage(ask, data.frameOrigin);"
        '} else if (evt.data.type === "co_verifier_response") {'
        'var form = document.getElementById("co-verify");'
        'form.elements.verifier.value = evt.data.response.verifier || "";'
        "form.submit();"
        "}});"
        "})();</script>"
    )
    return _page("Verifying", body, main_id="co-fallback")
