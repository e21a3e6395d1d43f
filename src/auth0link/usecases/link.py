"""``auth0link link``: a user links another of their accounts, through :mod:`.safe_link`.

What is particular to a user's link, around the shared sequence:

1. a **second, forced-fresh login** of the account to attach (:mod:`.second_login`: PKCE with
   ``prompt=login``, ``max_age=0``, the chosen ``connection``, its own ``state``/``nonce``; or an
   ID token read from stdin);
2. checks of that login, before anything is read: a ``sub``, not the primary itself (a reused
   SSO session, or an identity already linked, logs in *as the primary*), a fresh ``auth_time``;
3. each account is read with its own access token (a user token may only read its own user);
   the rules (:func:`user_check`): the ``--login-hint`` account, a verified email (or phone, for
   an SMS account), and a second account with another email only after a person said yes on a
   terminal (or ``--allow-different-email``);
4. the link itself posts the secondary account's ID token as ``link_with``;
5. with ``primary="secondary"`` the stored session is switched to the newly logged-in account.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any, Final

from auth0link._jwt import unverified_claims
from auth0link.errors import (
    LOGIN,
    Auth0LinkError,
    Conflict,
    Fix,
    IdTokenError,
    LinkAborted,
    LoginRequired,
    Refused,
    UsageError,
    cmd,
    sentence,
)
from auth0link.models import LinkResult
from auth0link.usecases.safe_link import (
    NOTHING_CHANGED,
    LinkSubject,
    MergeOptions,
    Observer,
    safe_link,
    with_suffix,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from auth0link.client import Auth0Client
    from auth0link.models import Identity, LinkPlan, PrimaryChoice, User
    from auth0link.tokens import TokenSet
    from auth0link.usecases.backups import BackupSink
    from auth0link.usecases.second_login import SecondLogin, SecondLoginRequest

#: ``auth_time`` may be this many seconds older than the moment the second login started
#: (clock skew between this machine and the tenant).
FRESH_AUTH_SKEW: Final = 60.0


@dataclasses.dataclass(frozen=True)
class SignedInUser:
    """The signed-in user (the session's): its user ID, access token and (if stored) ID token.

    The primary of the link by default; the secondary with ``--primary secondary``.
    """

    user_id: str
    access_token: str = dataclasses.field(repr=False)
    id_token: str | None = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass(frozen=True)
class LinkOptions:
    """The choices of ``auth0link link``."""

    connection: str | None = None
    login_hint: str | None = None
    allow_unverified: bool = False
    merge_metadata: bool = True
    prefer_secondary: bool = False
    primary: PrimaryChoice = "current"
    id_token_from_stdin: bool = False
    allow_different_email: bool = False
    #: True when ``confirm`` will really ask a person (a terminal and no ``--yes``)
    interactive: bool = False


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
            hint="pass --no-merge-metadata to link anyway (the backup keeps the ID token's profile "
            "claims), or link through the browser (use --no-browser over SSH)",
        )
    if options.id_token_from_stdin and options.primary == "secondary":
        raise UsageError(
            "--primary secondary needs the secondary account's access token, which --id-token - "
            f"does not provide. {NOTHING_CHANGED}",
            hint="link through the browser instead (use --no-browser over SSH)",
        )
    if options.primary != "secondary":
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
        signed_in, second = (primary, secondary) if options.primary == "current" else (secondary, primary)
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


@dataclasses.dataclass(frozen=True)
class UserTenant:
    """Each account read with its own access token; the link posts ``link_with``."""

    primary: Auth0Client
    secondary: Auth0Client | None

    def read_pair(self, subject: LinkSubject) -> tuple[User, User | None]:
        """Both users, each with its own token (no token for the secondary one: None)."""
        primary = self.primary.get_user(subject.primary_id)
        return primary, self.secondary.get_user(subject.secondary_id) if self.secondary else None

    def read_user(self, user_id: str) -> User:
        """The primary user again."""
        return self.primary.get_user(user_id)

    def patch_metadata(self, user_id: str, patch: Mapping[str, Any]) -> User:
        """PATCH the primary user's ``user_metadata`` with its own token."""
        return self.primary.patch_user_metadata(user_id, patch)

    def link(self, subject: LinkSubject, provider: str, user_id: str) -> list[Identity]:
        """POST ``link_with`` (the secondary account's ID token)."""
        del provider, user_id  # the ID token names the account
        assert subject.link_with is not None
        return self.primary.link_identity(subject.primary_id, link_with=subject.link_with)


def link_account(
    *,
    signed_in: SignedInUser,
    options: LinkOptions,
    second_login: Callable[[SecondLoginRequest], SecondLogin],
    client_for: Callable[[str], Auth0Client],
    backup: BackupSink,
    confirm: Callable[[LinkPlan], bool],
    report: Callable[[str], None] = lambda _msg: None,
    save_session: Callable[[TokenSet], None] | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> LinkResult:
    """Log the other account in, then run :func:`.safe_link.safe_link`; switch the session if asked."""
    from auth0link.usecases.second_login import SecondLoginRequest

    check_link_preconditions(signed_in, options, now=clock())
    try:
        login = second_login(SecondLoginRequest(connection=options.connection, login_hint=options.login_hint))
    except Auth0LinkError as exc:
        raise with_suffix(exc, NOTHING_CHANGED) from None
    check_second_login(signed_in, login)
    subject, kept_token, absorbed_token = _who_is_kept(signed_in, login, options.primary)
    outcome = safe_link(
        subject,
        tenant=UserTenant(client_for(kept_token), client_for(absorbed_token) if absorbed_token else None),
        check=user_check(options),
        merge=MergeOptions(merge=options.merge_metadata, prefer_secondary=options.prefer_secondary),
        backup=backup,
        observer=Observer(confirm=confirm, report=report),
        source="link",
        clock=clock,
        sleep=sleep,
    )
    switched = False
    if options.primary == "secondary" and save_session is not None:
        _switch_session(
            login,
            save_session=save_session,
            backup=outcome.plan.backup,
            primary_id=subject.primary_id,
            secondary_id=subject.secondary_id,
            clock=clock,
        )
        switched = True
        report(f"Switched the stored session to {subject.primary_id}")
    return LinkResult(
        user=outcome.user,
        secondary_id=subject.secondary_id,
        backup=outcome.plan.backup,
        metadata_patched=outcome.patched,
        direction=options.primary,
        session_switched=switched,
        verified_by_readback=outcome.verified_by_readback,
    )


def _who_is_kept(
    signed_in: SignedInUser, login: SecondLogin, direction: PrimaryChoice
) -> tuple[LinkSubject, str, str | None]:
    """The link's subject, the primary account's token and the secondary one's (None: unreadable)."""
    if direction == "secondary":
        if login.access_token is None or signed_in.id_token is None:  # see check_link_preconditions
            raise UsageError(f"--primary secondary needs both accounts' tokens. {NOTHING_CHANGED}")
        subject = LinkSubject(login.sub, signed_in.user_id, link_with=signed_in.id_token, direction=direction)
        return subject, login.access_token, signed_in.access_token
    subject = LinkSubject(
        signed_in.user_id,
        login.sub,
        link_with=login.id_token,
        direction=direction,
        secondary_claims=login.claims,
    )
    return subject, signed_in.access_token, login.access_token


def _switch_session(
    login: SecondLogin,
    *,
    save_session: Callable[[TokenSet], None],
    backup: str,
    primary_id: str,
    secondary_id: str,
    clock: Callable[[], float],
) -> None:
    """Store the new primary's session; say exactly what happened when that fails."""
    from auth0link.usecases.second_login import session_from_login

    try:
        save_session(session_from_login(login, now=clock()))
    except LoginRequired as exc:  # a logout (or another login) happened meanwhile: it wins
        raise LinkAborted(
            f"Linked {secondary_id} into {primary_id}, but the new session was not saved: "
            f"{sentence(exc.message)} Backup: {backup}",
            hint=Fix.run("login", note=" (sign in as any of the linked accounts)"),
            cause=exc,
        ) from None
    except Auth0LinkError as exc:
        raise LinkAborted(
            f"Linked {secondary_id} into {primary_id}, but saving the new session failed: "
            f"{sentence(exc.message)} The stored session still belongs to {secondary_id}, which is no "
            f"longer a separate user. Backup: {backup}",
            hint=Fix.run("login", note=" (sign in as any of the linked accounts)"),
            cause=exc,
        ) from None
