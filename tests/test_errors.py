"""Sentences in error messages: one full stop between them, none doubled, none missing."""

from __future__ import annotations

import re

import httpx
import pytest
import respx

from auth0link.auth.device import run_device_login
from auth0link.auth.discovery import Endpoints
from auth0link.client import Auth0Client
from auth0link.errors import Auth0LinkError, DeviceFlowError, IdTokenError, clause, join_sentences, sentence
from auth0link.usecases.safe_link import NOTHING_CHANGED, with_suffix
from tests.support import idp

#: what a badly joined message looks like: "JWT Nothing", "..", ".)."
BAD_JOINS = re.compile(r"[a-z0-9)] (Nothing|Changed|Unlinked)\b|\.\s*\.(?!\.)|\.\)\.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("done", "done."), ("done.", "done."), (" done ", "done."), ("why?", "why?"), ("", "")],
)
def test_sentence_ends_with_one_full_stop(text: str, expected: str) -> None:
    """sentence() adds a full stop unless the text already ends a sentence."""
    assert sentence(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("refused.", "refused"), ("refused", "refused"), ("(x).", "(x)"), ("wait...", "wait...")],
)
def test_clause_drops_the_final_full_stop(text: str, expected: str) -> None:
    """clause() makes a message fit inside another sentence (parentheses, after a colon)."""
    assert clause(text) == expected


def test_join_sentences_puts_one_full_stop_between_parts() -> None:
    """join_sentences: each part a sentence, empty parts skipped."""
    assert join_sentences("The ID token was refused: not a JWT", "", NOTHING_CHANGED) == (
        "The ID token was refused: not a JWT. Nothing was changed."
    )
    assert join_sentences("Done.", "Nothing was changed.") == "Done. Nothing was changed."


@pytest.mark.parametrize("message", ["it is not a well-formed JWT", "it is not a well-formed JWT."])
def test_with_suffix_joins_sentences_whatever_the_message_ended_with(message: str) -> None:
    """with_suffix (link's "Nothing was changed.") never reads "…JWT Nothing" nor "…JWT.. Nothing"."""
    error = with_suffix(IdTokenError(message), NOTHING_CHANGED)
    assert error.message == "it is not a well-formed JWT. Nothing was changed."
    assert error.args == (error.message,)
    framed = with_suffix(Auth0LinkError(message), NOTHING_CHANGED, context="while reading the profiles")
    assert framed.message == "it is not a well-formed JWT (while reading the profiles). Nothing was changed."


def test_a_denied_device_login_quotes_the_server_once() -> None:
    """access_denied from the token endpoint: "(User denied)." — not "(…(access_denied).)."."""
    router = respx.Router()
    router.post(idp.BASE + "/oauth/device/code").mock(
        return_value=httpx.Response(
            200,
            json=idp.device_code_body(
                device_code="D", user_code="U", verification_uri_complete=None, interval=0
            ),
        )
    )
    router.post(idp.BASE + "/oauth/token").mock(
        return_value=httpx.Response(403, json={"error": "access_denied", "error_description": "User denied."})
    )
    client = Auth0Client(idp.BASE, transport=httpx.MockTransport(router.handler), sleep=lambda _s: None)
    with pytest.raises(DeviceFlowError) as info:
        run_device_login(
            client,
            endpoints=Endpoints.auth0_defaults(idp.BASE),
            jwks_provider=idp.jwks,
            client_id=idp.CLIENT_ID,
            scope="openid",
            audience=None,
            on_code=lambda _a: None,
            sleep=lambda _s: None,
        )
    assert info.value.message == "The login was refused in the browser (User denied)."
    assert not BAD_JOINS.search(info.value.message)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, {"statusCode": 404, "error": "Not Found", "message": "The user does not exist."}),
        (404, {"statusCode": 404, "error": "Not Found", "message": "The user does not exist"}),
        (429, {"statusCode": 429, "error": "Too Many Requests", "message": "Global limit has been reached"}),
        (503, {"statusCode": 503, "error": "Service Unavailable", "message": "Down."}),
        (
            403,
            {
                "statusCode": 403,
                "message": "Insufficient scope, expected any of: read:users",
                "errorCode": "insufficient_scope",
            },
        ),
        (401, {"statusCode": 401, "error": "Unauthorized", "message": "Invalid token."}),
    ],
)
def test_management_api_errors_are_one_well_joined_sentence(status: int, body: dict[str, object]) -> None:
    """Every Management API error message ends with one full stop and doubles none."""
    router = respx.Router()
    router.get(idp.BASE + "/api/v2/users/x").mock(return_value=httpx.Response(status, json=body))
    client = Auth0Client(
        idp.BASE,
        access_token="t",
        transport=httpx.MockTransport(router.handler),
        sleep=lambda _s: None,
        max_retries=0,
    )
    client.max_rate_limit_retries = 0
    with pytest.raises(Auth0LinkError) as info:
        client.get_user("x")
    message = info.value.message
    assert message.endswith(".")
    assert not BAD_JOINS.search(message), message
