"""``auth0link link``: a user links another of their accounts, or an administrator any two users.

The command calls one of two entry points, each owning its wiring:

* :func:`link_as_user`, the signed-in user's link (:func:`link_account`), around the sequence
  shared with the admin form and ``batch-link`` (:mod:`.safe_link`):

  1. a **second, forced-fresh login** of the account to attach (:mod:`.second_login`: PKCE with
     ``prompt=login``, ``max_age=0``, the chosen ``connection``, its own ``state``/``nonce``; or
     an ID token read from stdin);
  2. the checks of :mod:`.link_checks`: the flags, that login (another account, freshly signed
     in), then both users (the ``--login-hint`` account, verified, the same email or a yes);
  3. each account is read with its own access token (a user token may only read its own user);
  4. the link itself posts the secondary account's ID token as ``link_with``;
  5. with ``direction="secondary"`` (``--primary secondary``) the stored session is switched to
     the newly logged-in account.

* :func:`link_as_admin`, ``link --user PRIMARY --provider P --user-id U`` with machine
  credentials (:func:`.admin.admin_link`).
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

from auth0link.errors import Auth0LinkError, Fix, LinkAborted, LoginRequired, UsageError, sentence
from auth0link.models import LinkResult
from auth0link.usecases.link_checks import check_link_preconditions, check_second_login, user_check
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
    from auth0link.usecases.second_login import SecondLogin, SecondLoginRequest, SignIn
    from auth0link.usecases.world import World


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
    #: which account stays the primary user: the signed-in user ("current") or the second login
    direction: PrimaryChoice = "current"
    id_token_from_stdin: bool = False
    allow_different_email: bool = False
    #: True when ``confirm`` will really ask a person (a terminal and no ``--yes``)
    interactive: bool = False


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
    subject, primary_token, secondary_token = _primary_and_secondary(signed_in, login, options.direction)
    outcome = safe_link(
        subject,
        tenant=UserTenant(
            client_for(primary_token), client_for(secondary_token) if secondary_token else None
        ),
        check=user_check(options),
        merge=MergeOptions(merge=options.merge_metadata, prefer_secondary=options.prefer_secondary),
        backup=backup,
        observer=Observer(confirm=confirm, report=report),
        source="link",
        clock=clock,
        sleep=sleep,
    )
    switched = False
    if options.direction == "secondary" and save_session is not None:
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
        direction=options.direction,
        session_switched=switched,
        verified_by_readback=outcome.verified_by_readback,
    )


def _primary_and_secondary(
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


@dataclasses.dataclass(frozen=True)
class LinkUi:
    """What the command brings to a user's link: the sign-in of the other account, a yes, messages."""

    sign_in: SignIn
    confirm: Callable[[LinkPlan], bool]
    report: Callable[[str], None]


def link_as_user(options: LinkOptions, world: World, ui: LinkUi) -> LinkResult:
    """The user's ``link``: the signed-in user and its clients, the second login, :func:`link_account`."""
    from auth0link.usecases.second_login import SignInPurpose

    access = world.access()
    signed_in = SignedInUser(
        user_id=access.user_id,
        access_token=access.token,
        id_token=access.tokens.id_token if access.tokens else None,
    )
    second_login = ui.sign_in(SignInPurpose("Sign in to the account to link"))

    def save_session(tokens: TokenSet) -> None:
        world.sessions.save(tokens)

    return link_account(
        signed_in=signed_in,
        options=options,
        second_login=second_login,
        # the primary's own session renews its token on a 401; the second login's is fresh
        client_for=lambda token: (
            world.user_client(access) if token == access.token else world.client(access_token=token)
        ),
        backup=world.backup_files(),
        confirm=ui.confirm,
        report=ui.report,
        save_session=save_session if access.source == "store" else None,
        clock=world.clock,
        sleep=world.sleep,
    )


@dataclasses.dataclass(frozen=True)
class AdminLinkRequest:
    """``link --user PRIMARY --provider P --user-id U``: the secondary ``P|U`` goes into the primary."""

    primary_id: str
    provider: str
    user_id: str
    connection_id: str | None = None
    prefer_secondary: bool = False
    allow_unverified: bool = False


def link_as_admin(request: AdminLinkRequest, world: World) -> LinkResult:
    """The admin ``link``: a machine client, the backup files, then :func:`.admin.admin_link`."""
    from auth0link.usecases.admin import admin_link

    return admin_link(
        world.machine_client(),
        primary_id=request.primary_id,
        provider=request.provider,
        user_id=request.user_id,
        connection_id=request.connection_id,
        backup=world.backup_files(),
        prefer_secondary=request.prefer_secondary,
        allow_unverified=request.allow_unverified,
        clock=world.clock,
        sleep=world.sleep,
    )
