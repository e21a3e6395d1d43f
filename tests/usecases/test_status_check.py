"""Asking the tenant about stored credentials: one fix per problem, and "deleted" only on Auth0's word."""

from __future__ import annotations

import pytest

from auth0link.errors import LoginRequired, NetworkError, NotFound, TlsError
from auth0link.models import SessionStatus, User
from auth0link.session import Access
from auth0link.usecases.status import verdict
from auth0link.usecases.status_check import check_session

LOGGED_IN = SessionStatus(
    profile="default",
    domain="https://idp.example.com",
    client_id="cid",
    active=True,
    logged_in=True,
    storage="keyring",
    user_id="abc|123",
    refreshable=True,
)
ACCESS = Access(token="t", user_id="abc|123", source="store")


def _not_found(error_code: str | None) -> User:
    raise NotFound("Not Found.", status_code=404, error_code=error_code)


def test_a_tls_failure_is_one_problem_with_one_fix_and_the_verdict_repeats_that_fix() -> None:
    """No CA bundle: the problem ends with --ca-bundle only (not also "check your network"), and so does the hint."""

    def refused_tls(_access: Access) -> User:
        raise TlsError(
            "The TLS certificate of 127.0.0.1:8443 was not accepted: self-signed", fix="pass --ca-bundle"
        )

    status = check_session(LOGGED_IN, access=lambda: ACCESS, read_user=refused_tls, active_profile="default")
    (problem,) = map(str, status.problems)
    assert status.check == "unreachable"
    assert problem.endswith("self-signed. Fix: pass --ca-bundle")
    assert problem.count("Fix:") == 1
    assert "network" not in problem
    error = verdict([status], [], profile="default")
    assert isinstance(error, NetworkError)
    assert error.hint == "pass --ca-bundle"


@pytest.mark.parametrize("error_code", [None, "not_found"])
def test_a_404_from_a_provider_that_is_not_auth0_is_checked_at_userinfo(error_code: str | None) -> None:
    """A 404 without Auth0's inexistent_user: not "deleted"; userinfo accepting the token means logged in."""
    asked: list[str] = []
    status = check_session(
        LOGGED_IN,
        access=lambda: ACCESS,
        read_user=lambda _a: _not_found(error_code),
        active_profile="default",
        userinfo=lambda access: asked.append(access.token),
    )
    assert (status.check, status.problems, asked) == ("ok", (), ["t"])


def test_a_404_from_a_provider_that_is_not_auth0_without_userinfo_is_not_checked() -> None:
    """No userinfo either: "could not check the session" (exit 5), never "deleted"."""
    status = check_session(
        LOGGED_IN, access=lambda: ACCESS, read_user=lambda _a: _not_found(None), active_profile="default"
    )
    assert status.check == "unreachable"
    assert "Could not check the session" in str(status.problems[0])
    assert "deleted" not in str(status.problems[0])


def test_userinfo_refusing_the_token_is_refused() -> None:
    """userinfo answers 401: the session is refused, with the login fix."""

    def refuse(_access: Access) -> object:
        raise LoginRequired("The access token was rejected by /userinfo.")

    status = check_session(
        LOGGED_IN,
        access=lambda: ACCESS,
        read_user=lambda _a: _not_found(None),
        active_profile="default",
        userinfo=refuse,
    )
    assert status.check == "refused"
    assert str(status.problems[-1]).endswith("Fix: auth0link login")


def test_auth0s_inexistent_user_still_means_deleted() -> None:
    """Auth0's 404 inexistent_user: the user is gone (deleted or linked into another); userinfo is not asked."""
    status = check_session(
        LOGGED_IN,
        access=lambda: ACCESS,
        read_user=lambda _a: _not_found("inexistent_user"),
        active_profile="default",
        userinfo=lambda _a: pytest.fail("userinfo must not be asked"),
    )
    assert status.check == "refused"
    assert "has no user abc|123 any more" in str(status.problems[0])
