"""The rules of a user's ``link``, checked before anything changes (:mod:`.link` runs them).

1. the flags: a user's session (not a machine token), and what ``--id-token -`` and
   ``--primary secondary`` need (:func:`check_link_preconditions`);
2. the second login, before anything is read: a ``sub``, not the primary itself (a reused SSO
   session, or an identity already linked, logs in *as the primary*), a fresh ``auth_time``
   (:func:`check_second_login`);
3. both users as the tenant shows them (:func:`user_check`): the ``--login-hint`` account, a
   verified email (or phone, for an SMS account), and a second account with another email only
   after a person said yes on a terminal (or ``--allow-different-email``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from auth0link._jwt import unverified_claims
from auth0link.errors import LOGIN, Conflict, Fix, IdTokenError, LoginRequired, Refused, UsageError, cmd
from auth0link.usecases.safe_link import NOTHING_CHANGED

if TYPE_CHECKING:
    from collections.abc import Callable

    from auth0link.models import User
    from auth0link.usecases.link import LinkOptions, SignedInUser
    from auth0link.usecases.second_login import SecondLogin

#: ``auth_time`` may be this many seconds older than the moment the second login started
#: (clock skew between this machine and the tenant).
FRESH_AUTH_SKEW: Final = 60.0


def require_user_session(user_id: str, *, command: str = "link") -> None:
    """Refuse a machine (client-credentials) token: link and unlink act for a signed-in user."""
    if user_id.endswith("@clients"):
        admin_form = (
            Fix(cmd("link", "--user", "PRIMARY_ID", "…"), ", or batch-link")
            if command == "link"
            else Fix(cmd("unlink", "--user", "PRIMARY_ID", "PROVIDER", "USER_ID"))
        )
        raise UsageError(
            f"The access token belongs to an application ({user_id}), not to a user: link and "
            f"unlink act on the signed-in user's own account. {NOTHING_CHANGED}",
            hint="unset AUTH0LINK_ACCESS_TOKEN and " + LOGIN + " (administrators: " + admin_form + ")",
        )


def check_link_preconditions(signed_in: SignedInUser, options: LinkOptions, *, now: float) -> None:
    """Refuse impossible combinations before anyone logs in again (exit 2, nothing changed)."""
    require_user_session(signed_in.user_id)
    if options.id_token_from_stdin and options.merge_metadata:
        raise UsageError(
            "With --id-token - there is no access token for the secondary account, so its "
            f"user_metadata cannot be read and would be lost by the link. {NOTHING_CHANGED}",
            hint="pass --no-merge-metadata to link anyway (the backup keeps the ID token's user "
            "profile claims), or link through the browser (use --no-browser over SSH)",
        )
    if options.id_token_from_stdin and options.direction == "secondary":
        raise UsageError(
            "--primary secondary needs the secondary account's access token, which --id-token - "
            f"does not provide. {NOTHING_CHANGED}",
            hint="link through the browser instead (use --no-browser over SSH)",
        )
    if options.direction != "secondary":
        return
    if not signed_in.id_token:
        raise UsageError(
            "--primary secondary links the current account *into* the new one, which needs the "
            "current account's ID token; this session has none (AUTH0LINK_ACCESS_TOKEN?). " + NOTHING_CHANGED,
            hint="unset AUTH0LINK_ACCESS_TOKEN and " + LOGIN,
        )
    exp = unverified_claims(signed_in.id_token).get("exp")
    if not isinstance(exp, int | float) or exp <= now + 30:
        raise LoginRequired(
            "The stored ID token of the current account has expired, and Auth0 refuses an "
            f"expired ID token as link_with. {NOTHING_CHANGED}",
            hint=LOGIN + " (then " + Fix(cmd("link", "--primary", "secondary"), " again)"),
        )


def check_second_login(signed_in: SignedInUser, login: SecondLogin) -> None:
    """The second login is another account, freshly authenticated (before anything is read)."""
    sub = login.sub
    if not sub:
        raise IdTokenError(f"The second login's ID token has no 'sub'. {NOTHING_CHANGED}")
    if sub == signed_in.user_id:
        raise Conflict(
            f"The second login returned the primary account itself ({sub}): the browser reused a "
            "session, or the account you chose is already linked (Auth0 logs a linked identity "
            f"in as its primary). {NOTHING_CHANGED}",
            status_code=409,  # no HTTP call was made; 409 is the nearest API meaning
            hint=Fix(
                "sign in to the *other* account when the login page opens (",
                cmd("identities"),
                " lists what is already linked)",
            ),
        )
    if login.started_at is not None:
        auth_time = login.claims.get("auth_time")
        if not isinstance(auth_time, int | float) or auth_time < login.started_at - FRESH_AUTH_SKEW:
            raise IdTokenError(
                f"The second login of {sub} was not a fresh sign-in (auth_time "
                f"{auth_time if auth_time is not None else 'missing'}): an existing session was reused "
                f"although prompt=login and max_age=0 were sent. {NOTHING_CHANGED}",
                hint="sign out of the provider in the browser (or use a private window) and try again",
            )


def _shown(user: User) -> str:
    return f"{user.user_id} ({user.contact or 'no email'})"


def user_check(options: LinkOptions) -> Callable[[User, User], tuple[str, str] | None]:
    """The rules of a user's link, on both users as the tenant shows them (see the module)."""

    def check(primary: User, secondary: User) -> tuple[str, str] | None:
        signed_in, second = (primary, secondary) if options.direction == "current" else (secondary, primary)
        contact = (second.contact or "").strip().lower()
        if options.login_hint and options.login_hint.strip().lower() != contact:
            raise Refused(
                f"You logged in as {_shown(second)}, not as {options.login_hint} (--login-hint); "
                f"refusing to link {second.user_id} and {signed_in.user_id}. {NOTHING_CHANGED}",
                hint=Fix.run("link", lead="run ", note=" again and sign in as the account you meant"),
            )
        if not options.allow_unverified and not second.contact_verified:
            unverified = second.contact or "its email (or phone number)"
            raise Refused(
                f"Refusing to link {second.user_id}: {unverified} is not verified. "
                "Linking an account whose email is unverified lets whoever registered that address "
                f"take over this account (Auth0's own guidance). {NOTHING_CHANGED}",
                hint="verify it with that provider first, or pass --allow-unverified if you are "
                "certain you own it",
            )
        if options.login_hint or (contact and contact == (signed_in.contact or "").strip().lower()):
            return None  # the same person, or the account named by --login-hint
        pair = (_shown(signed_in), _shown(second))
        if options.allow_different_email or options.interactive:
            return pair
        raise Refused(
            f"The account you signed in to, {pair[1]}, does not have the email of the logged-in account "
            f"{pair[0]}; refusing to link it without a person confirming on a terminal. {NOTHING_CHANGED}",
            hint=Fix.run(
                "link",
                lead="run ",
                note=" again without --yes on a terminal, name the account with --login-hint EMAIL, or pass "
                "--allow-different-email if both accounts are yours",
            ),
        )

    return check
