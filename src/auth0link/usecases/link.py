"""The safe link and unlink use-cases: plain functions the CLI (or Python) calls.

``link_account`` runs this sequence; every step names what it changed, so a failure can say
exactly what was and was not changed and where the backup is:

1. a **second, forced-fresh login** of the account to attach (injected ``SecondLoginFn``: PKCE
   with ``prompt=login``, ``max_age=0``, the chosen ``connection``, its own ``state``/``nonce``;
   or an ID token read from stdin);
2. checks, before anything is written: the secondary ``sub`` differs from the primary (a reused
   SSO session, or an identity already linked, logs in *as the primary*), it matches
   ``--login-hint``, ``auth_time`` is not older than the moment the login started, it is not
   already one of the primary's identities, and its email is verified;
3. both users' full profiles are read (each with its own access token: a user token may only
   read its own user) and written to a timestamped 0600 JSON backup in ``<data dir>/backups``;
4. the ``user_metadata`` merge is computed, shown and confirmed; the kept account's values win
   on conflicting keys unless ``prefer_secondary``; only changed keys are PATCHed (Auth0
   merges ``user_metadata`` at the top level);
5. ``POST /users/{kept}/identities {link_with: <ID token of the absorbed account>}``. If the
   response is lost the kept user is read back to decide (a POST is never retried blindly);
6. with ``primary="secondary"`` the stored session is switched to the newly logged-in account.

Terms: the **kept** account stays a user (the primary after the link); the **absorbed** one
becomes an identity of it and loses its ``user_metadata``/``app_metadata``. With the default
``primary="current"`` kept = the logged-in primary and absorbed = the second login; with
``primary="secondary"`` it is the other way round.

``unlink_identities`` checks every identity first (the primary identity itself is refused,
exit 2; an identity that is not linked is a conflict, exit 7), confirms once, then DELETEs
each, reading the user back if a response is lost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
import time
from typing import TYPE_CHECKING, Any, Final, Literal

from auth0link._jwt import unverified_claims
from auth0link.errors import (
    ApiError,
    Auth0LinkError,
    Conflict,
    IdTokenError,
    Interrupted,
    LinkAborted,
    LoginRequired,
    UsageError,
)
from auth0link.tokens import TokenSet
from auth0link.usecases.readback import DELAYS, maybe_applied, read_back

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path

    from auth0link.auth.oidc import Endpoints
    from auth0link.client import Auth0Client
    from auth0link.models import Identity, TokenResponse, User

#: ``auth_time`` may be this many seconds older than the moment the second login started
#: (clock skew between this machine and the tenant).
FRESH_AUTH_SKEW: Final = 60.0

PrimaryChoice = Literal["current", "secondary"]
_NOTHING_CHANGED: Final = "Nothing was changed."
# Keys of identities[] that can hold an upstream provider's tokens (Auth0 returns them only with
# read:user_idp_tokens); they never go into a backup file.
_IDP_TOKEN_KEYS: Final = frozenset({"access_token", "refresh_token", "access_token_secret"})


# -- inputs ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LoginRequest:
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
class Primary:
    """The logged-in primary: its user ID, access token and (if stored) ID token."""

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


# -- results -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MetadataMerge:
    """The ``user_metadata`` merge: what the kept account has, gets, and which keys conflict."""

    kept: dict[str, Any]
    absorbed: dict[str, Any]
    patch: dict[str, Any]
    merged: dict[str, Any]
    conflicts: dict[str, tuple[Any, Any]]
    absorbed_wins: bool

    @property
    def changes(self) -> bool:
        """True when a PATCH is needed."""
        return bool(self.patch)


@dataclasses.dataclass(frozen=True)
class LinkPlan:
    """Everything shown before the confirmation: who is kept, who is absorbed, the merge."""

    kept: User
    absorbed_id: str
    absorbed_email: str | None
    merge: MetadataMerge | None  # None with --no-merge-metadata
    backup_path: Path
    direction: PrimaryChoice
    merge_skipped_reason: str | None = None
    #: ``(logged-in account, second login)`` as ``id (email)`` when their emails differ
    different_accounts: tuple[str, str] | None = None


@dataclasses.dataclass(frozen=True)
class LinkResult:
    """The outcome of a link: the kept user with its new identities."""

    user: User
    absorbed_id: str
    backup_path: Path
    metadata_patched: tuple[str, ...]
    direction: PrimaryChoice
    session_switched: bool = False
    verified_by_readback: bool = False


@dataclasses.dataclass(frozen=True)
class UnlinkResult:
    """The outcome of an unlink: the user with its remaining identities."""

    user: User
    unlinked: tuple[Identity, ...]


# -- small pure helpers ------------------------------------------------------------------------


def split_user_id(user_id: str) -> tuple[str, str]:
    """``google-oauth2|109…`` → ``("google-oauth2", "109…")`` (provider is before the first ``|``)."""
    provider, sep, rest = user_id.partition("|")
    if not sep or not provider or not rest:
        raise UsageError(f"{user_id!r} is not a provider|id user ID.")
    return provider, rest


def merge_metadata(
    kept: Mapping[str, Any], absorbed: Mapping[str, Any], *, absorbed_wins: bool
) -> MetadataMerge:
    """Merge top-level ``user_metadata`` keys; the PATCH body holds only the keys that change."""
    patch: dict[str, Any] = {}
    conflicts: dict[str, tuple[Any, Any]] = {}
    for key, value in absorbed.items():
        if value is None:  # a null in a PATCH would *delete* the key: never send one
            continue
        if key not in kept:
            patch[key] = value
        elif kept[key] != value:
            conflicts[key] = (kept[key], value)
            if absorbed_wins:
                patch[key] = value
    merged = {**kept, **patch}
    return MetadataMerge(
        kept=dict(kept),
        absorbed=dict(absorbed),
        patch=patch,
        merged=merged,
        conflicts=conflicts,
        absorbed_wins=absorbed_wins,
    )


def is_verified(claims: Mapping[str, Any]) -> bool:
    """``email_verified`` is true; a login without an email (SMS) counts ``phone_verified``."""
    if claims.get("email"):
        return claims.get("email_verified") is True
    return claims.get("phone_verified") is True


def strip_idp_tokens(profile: Mapping[str, Any]) -> dict[str, Any]:
    """The user without identity-provider tokens (``identities[].access_token``); backups hold no secrets."""
    data = dict(profile)
    identities = data.get("identities")
    if isinstance(identities, list):
        data["identities"] = [
            {k: v for k, v in i.items() if k not in _IDP_TOKEN_KEYS} if isinstance(i, dict) else i
            for i in identities
        ]
    return data


def backup_path_for(backup_dir: Path, now: float) -> Path:
    """``<dir>/link-20261123T101502Z-1a2b3c.json`` (sortable, unique)."""
    stamp = dt.datetime.fromtimestamp(now, tz=dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return backup_dir / f"link-{stamp}-{secrets.token_hex(3)}.json"


def write_backup(path: Path, document: Mapping[str, Any]) -> None:
    """Write the backup atomically with mode 0600 (profiles are personal data)."""
    from auth0link._files import atomic_write_text

    atomic_write_text(
        path, json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n", mode=0o600
    )


def parse_identity_lines(lines: Iterable[str]) -> list[tuple[str, str]]:
    """Parse ``provider<TAB>user_id[<TAB>…]`` lines (``identities`` TSV); dedupe, keep order.

    A header line (``provider<TAB>user_id…``) and blank lines are skipped; anything else that
    is not two non-empty tab-separated fields is a usage error naming the line number.
    """
    pairs: dict[tuple[str, str], None] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        fields = line.split("\t")
        if [f.strip() for f in fields[:2]] == ["provider", "user_id"]:
            continue
        provider = fields[0].strip()
        user_id = fields[1].strip() if len(fields) > 1 else ""
        if len(fields) < 2 or not provider or not user_id or any(c.isspace() for c in provider):  # noqa: PLR2004
            raise UsageError(
                f"stdin line {number}: expected provider<TAB>user_id, got {line[:80]!r}.",
                hint="feed it the output of: auth0link identities --secondary-only",
            )
        pairs[(provider, user_id)] = None
    return list(pairs)


def _with_suffix(error: Auth0LinkError, suffix: str) -> Auth0LinkError:
    """Append what-changed text to an error, keeping its class (and so its exit code)."""
    error.message = f"{error.message.rstrip()} {suffix}"
    error.args = (error.message,)
    return error


def _id_token_expired(id_token: str, now: float) -> bool:
    exp = unverified_claims(id_token).get("exp")
    return not isinstance(exp, int | float) or exp <= now + 30


# -- link ------------------------------------------------------------------------------------


def require_user_session(user_id: str) -> None:
    """Refuse a machine (client-credentials) token: link and unlink act for a signed-in user."""
    if user_id.endswith("@clients"):
        raise UsageError(
            f"The access token belongs to an application ({user_id}), not to a user: link and "
            "unlink act on the signed-in user's own account. Nothing was changed.",
            hint="unset AUTH0LINK_ACCESS_TOKEN and run: auth0link login (administrators: "
            "auth0link batch-link)",
        )


def check_link_preconditions(primary: Primary, options: LinkOptions, *, now: float) -> None:
    """Refuse impossible combinations before anyone logs in again (exit 2, nothing changed)."""
    require_user_session(primary.user_id)
    if options.id_token_from_stdin and options.merge_metadata:
        raise UsageError(
            "With --id-token - there is no access token for the secondary account, so its "
            "user_metadata cannot be read and would be lost by the link. Nothing was changed.",
            hint="pass --no-merge-metadata to link anyway (the backup keeps the ID token's profile "
            "claims), or link through the browser (use --no-browser over SSH)",
        )
    if options.id_token_from_stdin and options.primary == "secondary":
        raise UsageError(
            "--primary secondary needs the secondary account's access token, which --id-token - "
            "does not provide. Nothing was changed.",
            hint="link through the browser instead (use --no-browser over SSH)",
        )
    if options.primary == "secondary":
        if not primary.id_token:
            raise UsageError(
                "--primary secondary links the current account *into* the new one, which needs the "
                "current account's ID token; this session has none (AUTH0LINK_ACCESS_TOKEN?). "
                "Nothing was changed.",
                hint="unset AUTH0LINK_ACCESS_TOKEN and run: auth0link login",
            )
        if _id_token_expired(primary.id_token, now):
            raise LoginRequired(
                "The stored ID token of the current account has expired, and Auth0 refuses an "
                "expired ID token as link_with. Nothing was changed.",
                hint="run: auth0link login (then auth0link link --primary secondary again)",
            )


def _check_second_login(primary: Primary, login: SecondLogin, options: LinkOptions) -> None:
    sub = login.sub
    if not sub:
        raise IdTokenError(f"The second login's ID token has no 'sub'. {_NOTHING_CHANGED}")
    if sub == primary.user_id:
        raise Conflict(
            f"The second login returned the primary account itself ({sub}): the browser reused a "
            "session, or the account you chose is already linked (Auth0 logs a linked identity "
            f"in as its primary). {_NOTHING_CHANGED}",
            status_code=409,  # no HTTP call was made; 409 is the nearest API meaning
            hint="sign in to the *other* account when the login page opens (auth0link identities "
            "lists what is already linked)",
        )
    if options.login_hint:
        wanted = options.login_hint.strip().lower()
        got = [str(login.claims.get(k) or "").strip().lower() for k in ("email", "phone_number")]
        if wanted not in got:
            shown = login.claims.get("email") or login.claims.get("phone_number") or "no email"
            raise LinkAborted(
                f"You logged in as {sub} ({shown}), not as {options.login_hint} (--login-hint); "
                f"refusing to link {sub} into {primary.user_id}. {_NOTHING_CHANGED}",
                hint="run auth0link link again and sign in as the account you meant",
            )
    if login.started_at is not None:
        auth_time = login.claims.get("auth_time")
        if not isinstance(auth_time, int | float) or auth_time < login.started_at - FRESH_AUTH_SKEW:
            raise IdTokenError(
                f"The second login of {sub} was not a fresh sign-in (auth_time "
                f"{auth_time if auth_time is not None else 'missing'}): an existing session was reused "
                f"although prompt=login and max_age=0 were sent. {_NOTHING_CHANGED}",
                hint="sign out of the provider in the browser (or use a private window) and try again",
            )
    if not options.allow_unverified and not is_verified(login.claims):
        contact = login.claims.get("email") or login.claims.get("phone_number") or "its email"
        raise LinkAborted(
            f"Refusing to link {sub}: {contact} is not verified. Linking an account whose email is "
            "unverified lets whoever registered that address take over this account (Auth0's own "
            f"guidance). {_NOTHING_CHANGED}",
            hint="verify the email with that provider first, or pass --allow-unverified if you are "
            "certain you own it",
        )


def _contact(claims: Mapping[str, Any]) -> str:
    value = claims.get("email") or claims.get("phone_number") or ""
    return str(value).strip().lower()


def _different_accounts(
    current: User | None, login: SecondLogin, options: LinkOptions
) -> tuple[str, str] | None:
    """Both accounts, when the second login's email differs from the logged-in one's.

    The authorize URL sits in the browser's argv, so another local program could complete it
    signed in as *its* account. A second account with another email is linked only after a
    person said yes on a terminal (or ``--allow-different-email``, or a ``--login-hint`` that
    names it); under ``--yes`` or without a terminal it is refused before anything is written.
    """
    if current is None or options.login_hint:
        return None  # --login-hint was checked against the login already
    ours = _contact(current.raw)
    theirs = _contact(login.claims)
    if ours and theirs == ours:
        return None
    pair = (
        f"{current.user_id} ({ours or 'no email'})",
        f"{login.sub} ({theirs or 'no email'})",
    )
    if options.allow_different_email or options.interactive:
        return pair
    raise LinkAborted(
        f"The account you signed in to, {pair[1]}, does not have the email of the logged-in account "
        f"{pair[0]}; refusing to link it without a person confirming on a terminal. {_NOTHING_CHANGED}",
        hint="run auth0link link again without --yes on a terminal, name the account with --login-hint "
        "EMAIL, or pass --allow-different-email if both accounts are yours",
    )


@dataclasses.dataclass
class _Ledger:
    """What the sequence has done so far, for the failure message."""

    kept_id: str
    absorbed_id: str
    backup: Path | None = None
    patched: tuple[str, ...] = ()
    patch_unknown: bool = False
    stage: str = "preparing"

    def interrupted(self) -> str:
        """The message for Ctrl-C at the current stage."""
        linked = (
            "unknown (interrupted while the request was in flight)"
            if self.stage == "linking"
            else f"not attempted; {self.absorbed_id} is still a separate user"
        )
        return f"Interrupted while {self.stage}. " + self.describe(linked=linked)

    def describe(self, *, linked: str) -> str:
        changed: list[str] = []
        if self.patched:
            keys = ", ".join(self.patched)
            verb = "may have been merged" if self.patch_unknown else "were merged"
            changed.append(f"user_metadata keys {keys} {verb} into {self.kept_id}")
        text = f"Changed: {'; '.join(changed)}." if changed else "Changed: nothing."
        text += f" Link: {linked}."
        if self.backup is not None:
            text += f" Backup of both profiles: {self.backup}"
        return text


def link_account(  # noqa: C901, PLR0912, PLR0915 - one linear sequence, each step guarded
    *,
    primary: Primary,
    options: LinkOptions,
    second_login: Callable[[LoginRequest], SecondLogin],
    client_for: Callable[[str], Auth0Client],
    backup_dir: Path,
    confirm: Callable[[LinkPlan], bool],
    report: Callable[[str], None] = lambda _msg: None,
    save_session: Callable[[TokenSet], None] | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> LinkResult:
    """Run the safe link sequence (module docstring); raise with what changed on any failure."""
    check_link_preconditions(primary, options, now=clock())
    request = LoginRequest(connection=options.connection, login_hint=options.login_hint)
    try:
        login = second_login(request)
    except Auth0LinkError as exc:
        raise _with_suffix(exc, _NOTHING_CHANGED) from None
    _check_second_login(primary, login, options)

    absorbed_token: str | None
    if options.primary == "secondary":
        if login.access_token is None or primary.id_token is None:  # see check_link_preconditions
            raise UsageError(f"--primary secondary needs both accounts' tokens. {_NOTHING_CHANGED}")
        kept_id, kept_token = login.sub, login.access_token
        absorbed_id, absorbed_token, link_with = primary.user_id, primary.access_token, primary.id_token
    else:
        kept_id, kept_token = primary.user_id, primary.access_token
        absorbed_id, absorbed_token, link_with = login.sub, login.access_token, login.id_token
    ledger = _Ledger(kept_id=kept_id, absorbed_id=absorbed_id)
    kept_client = client_for(kept_token)

    # -- read both profiles (nothing written yet) --
    try:
        kept_user = kept_client.get_user(kept_id)
        absorbed_user = client_for(absorbed_token).get_user(absorbed_id) if absorbed_token else None
    except Auth0LinkError as exc:
        raise _with_suffix(exc, f"(while reading the profiles) {_NOTHING_CHANGED}") from None
    a_provider, a_user_id = split_user_id(absorbed_id)
    if kept_user.find_identity(a_provider, a_user_id) is not None:
        raise Conflict(
            f"{absorbed_id} is already linked to {kept_id}. {_NOTHING_CHANGED}",
            status_code=409,
            hint="auth0link identities lists the linked accounts",
        )
    if (
        absorbed_user is not None
        and not options.allow_unverified
        and absorbed_user.email
        and not absorbed_user.email_verified
    ):
        raise LinkAborted(
            f"Refusing to link {absorbed_id}: the tenant says {absorbed_user.email} is not verified. "
            "Linking an unverified email lets whoever registered it take over this account. "
            f"{_NOTHING_CHANGED}",
            hint="verify the email first, or pass --allow-unverified if you are certain you own it",
        )

    current_user = kept_user if options.primary == "current" else absorbed_user
    different = _different_accounts(current_user, login, options)

    # -- backup --
    path = backup_path_for(backup_dir, clock())
    absorbed_doc: dict[str, Any] = (
        strip_idp_tokens(absorbed_user.raw)
        if absorbed_user is not None
        else {"source": "id_token_claims", "claims": dict(login.claims)}
    )
    document = {
        "format": "auth0link-link-backup/1",
        "created_at": dt.datetime.fromtimestamp(clock(), tz=dt.UTC).isoformat(),
        "direction": options.primary,
        "kept": strip_idp_tokens(kept_user.raw),
        "absorbed": absorbed_doc,
    }
    try:
        write_backup(path, document)
    except OSError as exc:
        raise LinkAborted(
            f"Could not write the backup {path}: {exc.strerror}. {_NOTHING_CHANGED}",
            hint="check the data directory's permissions (AUTH0LINK_DATA_DIR)",
        ) from None
    ledger.backup = path
    report(f"Backed up both profiles to {path}")

    # -- plan, show, confirm --
    merge: MetadataMerge | None = None
    skipped: str | None = None
    if not options.merge_metadata:
        skipped = "--no-merge-metadata"
    elif absorbed_user is not None:
        merge = merge_metadata(
            kept_user.user_metadata, absorbed_user.user_metadata, absorbed_wins=options.prefer_secondary
        )
    plan = LinkPlan(
        kept=kept_user,
        absorbed_id=absorbed_id,
        absorbed_email=absorbed_user.email if absorbed_user else login.claims.get("email"),
        merge=merge,
        backup_path=path,
        direction=options.primary,
        merge_skipped_reason=skipped,
        different_accounts=different,
    )
    if not confirm(plan):
        raise LinkAborted(
            f"Cancelled. {_NOTHING_CHANGED} (The backup {path} was written.)",
            hint="run auth0link link again when ready",
        )

    try:
        identities, verified_by_readback = _merge_and_link(
            kept_client, link_with=link_with, merge=merge, ledger=ledger, report=report, sleep=sleep
        )
    except KeyboardInterrupt:
        raise Interrupted(ledger.interrupted(), hint="check with: auth0link identities") from None

    user = dataclasses.replace(
        kept_user,
        identities=tuple(identities) or kept_user.identities,
        user_metadata=merge.merged if merge is not None and ledger.patched else kept_user.user_metadata,
    )

    # -- switch the session to the new primary --
    switched = False
    if options.primary == "secondary" and save_session is not None:
        assert login.tokens is not None
        try:
            save_session(session_from_login(login, now=clock()))
        except LoginRequired as exc:  # a logout (or another login) happened meanwhile: it wins
            raise LinkAborted(
                f"Linked {absorbed_id} into {kept_id}, but the new session was not saved: {exc.message} "
                f"Backup: {path}",
                hint="run: auth0link login (sign in as any of the linked accounts)",
                cause=exc,
            ) from None
        except Auth0LinkError as exc:
            raise LinkAborted(
                f"Linked {absorbed_id} into {kept_id}, but saving the new session failed: {exc.message} "
                f"The stored session still belongs to {absorbed_id}, which is no longer a separate user. "
                f"Backup: {path}",
                hint="run: auth0link login (sign in as any of the linked accounts)",
                cause=exc,
            ) from None
        switched = True
        report(f"Switched the stored session to {kept_id}")
    return LinkResult(
        user=user,
        absorbed_id=absorbed_id,
        backup_path=path,
        metadata_patched=ledger.patched,
        direction=options.primary,
        session_switched=switched,
        verified_by_readback=verified_by_readback,
    )


def _merge_and_link(
    kept_client: Auth0Client,
    *,
    link_with: str,
    merge: MetadataMerge | None,
    ledger: _Ledger,
    report: Callable[[str], None],
    sleep: Callable[[float], None],
) -> tuple[list[Identity], bool]:
    """PATCH the merged ``user_metadata`` (if any key changes), then POST the link.

    Returns the kept user's identities and whether a lost link response was resolved by reading
    the user back. ``ledger`` is kept current so an error or Ctrl-C can say what changed.
    """
    kept_id, absorbed_id = ledger.kept_id, ledger.absorbed_id
    if merge is not None and merge.changes:
        ledger.stage = "merging user_metadata"
        ledger.patched, ledger.patch_unknown = tuple(merge.patch), True
        try:
            kept_client.patch_user_metadata(kept_id, merge.patch)
        except Auth0LinkError as exc:
            ledger.patch_unknown = maybe_applied(exc)
            if not ledger.patch_unknown:
                ledger.patched = ()
            raise LinkAborted(
                f"Merging user_metadata into {kept_id} failed: {exc.message} "
                + ledger.describe(linked=f"not attempted; {absorbed_id} is still a separate user"),
                hint="run auth0link link again (merging the same keys twice is harmless)"
                if ledger.patch_unknown
                else exc.hint or "fix the cause and run auth0link link again",
                cause=exc,
            ) from None
        ledger.patch_unknown = False
        report(f"Merged user_metadata keys into {kept_id}: {', '.join(ledger.patched)}")

    ledger.stage = "linking"
    try:
        return kept_client.link_identity(kept_id, link_with=link_with), False
    except Auth0LinkError as exc:
        if maybe_applied(exc):
            identities = _read_back_link(kept_client, kept_id, absorbed_id, ledger, exc, sleep)
            report(f"The link response was lost; read back {kept_id}: {absorbed_id} is linked.")
            return identities, True
        hint = exc.hint if isinstance(exc, ApiError | LoginRequired) else None
        raise LinkAborted(
            f"Linking {absorbed_id} into {kept_id} failed: {exc.message} "
            + ledger.describe(linked=f"not done; {absorbed_id} is still a separate user"),
            hint=hint or "fix the cause and run auth0link link again",
            cause=exc,
        ) from None


def _read_back_link(  # noqa: PLR0917 - the sequence's state, passed explicitly
    client: Auth0Client,
    kept_id: str,
    absorbed_id: str,
    ledger: _Ledger,
    lost: Auth0LinkError,
    sleep: Callable[[float], None],
) -> list[Identity]:
    """The link POST's answer was lost: read the kept user back until the link shows, or say unknown."""
    provider, user_id = split_user_id(absorbed_id)
    seen: list[Identity] = []

    def linked() -> bool:
        user = client.get_user(kept_id)
        seen[:] = user.identities
        return user.find_identity(provider, user_id) is not None

    applied, read_error = read_back(linked, sleep=sleep)
    if applied:
        return seen
    why = (
        f"reading {kept_id} back failed ({read_error.message})"
        if read_error is not None
        else f"reading {kept_id} back for {sum(DELAYS):g} s does not show it yet, but the tenant may "
        "still apply the request"
    )
    raise LinkAborted(
        f"The answer to linking {absorbed_id} into {kept_id} was lost ({lost.message.rstrip('.')}); "
        f"{why}, so whether it was linked is unknown. " + ledger.describe(linked="unknown"),
        hint="check in a minute with: auth0link identities (run auth0link link again only if "
        f"{absorbed_id} is not listed)",
        cause=read_error or lost,
    )


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


# -- unlink ------------------------------------------------------------------------------------


def check_unlink(user: User, pairs: Sequence[tuple[str, str]]) -> list[Identity]:
    """The identities to unlink; refuse the primary identity (exit 2) and unlinked ones (exit 7)."""
    if not pairs:
        raise UsageError(
            "No identities to unlink (stdin had no provider<TAB>user_id lines). Nothing was changed.",
            hint="auth0link identities --secondary-only | grep PROVIDER | auth0link unlink - --yes",
        )
    found: list[Identity] = []
    for provider, user_id in pairs:
        if f"{provider}|{user_id}" == user.user_id:
            raise UsageError(
                f"{provider}|{user_id} is the primary identity of this user; it cannot be unlinked "
                "from itself. Nothing was changed.",
                hint="to make another account the primary, unlink it, then run: "
                "auth0link link --primary secondary",
            )
        identity = user.find_identity(provider, user_id)
        if identity is None:
            raise Conflict(
                f"{provider}|{user_id} is not linked to {user.user_id}. Nothing was changed.",
                status_code=409,
                hint="auth0link identities --secondary-only lists what is linked",
            )
        found.append(identity)
    return found


def unlink_identities(
    client: Auth0Client,
    user_id: str,
    pairs: Sequence[tuple[str, str]],
    *,
    confirm: Callable[[User, Sequence[Identity]], bool],
    report: Callable[[str], None] = lambda _msg: None,
    sleep: Callable[[float], None] = time.sleep,
) -> UnlinkResult:
    """The signed-in user unlinks from their own account: :func:`unlink_checked` for a user token."""
    require_user_session(user_id)
    return unlink_checked(client, user_id, pairs, confirm=confirm, report=report, sleep=sleep)


def unlink_checked(
    client: Auth0Client,
    user_id: str,
    pairs: Sequence[tuple[str, str]],
    *,
    confirm: Callable[[User, Sequence[Identity]], bool],
    report: Callable[[str], None] = lambda _msg: None,
    sleep: Callable[[float], None] = time.sleep,
) -> UnlinkResult:
    """Check every pair against the user's identities, confirm once, then DELETE each."""
    user = client.get_user(user_id)
    targets = check_unlink(user, pairs)
    if not confirm(user, targets):
        raise LinkAborted("Cancelled. Nothing was changed.", hint="pass --yes to skip the question")
    remaining: list[Identity] = list(user.identities)
    done: list[Identity] = []
    for identity in targets:
        try:
            remaining = client.unlink_identity(user_id, identity.provider, identity.user_id)
        except KeyboardInterrupt:
            raise Interrupted(
                f"Interrupted while unlinking {identity.full_id}. "
                + _unlink_progress(done, targets, unknown=identity),
                hint="check with: auth0link identities",
            ) from None
        except Auth0LinkError as exc:
            if not maybe_applied(exc):
                raise LinkAborted(
                    f"Unlinking {identity.full_id} failed: {exc.message} " + _unlink_progress(done, targets),
                    hint=exc.hint or "fix the cause and run the same unlink again",
                    cause=exc,
                ) from None
            remaining = _read_back_unlink(
                client, user_id=user_id, identity=identity, done=done, targets=targets, lost=exc, sleep=sleep
            )
        done.append(identity)
        report(f"Unlinked {identity.full_id}; it is a separate user again")
    return UnlinkResult(user=dataclasses.replace(user, identities=tuple(remaining)), unlinked=tuple(done))


def _unlink_progress(
    done: Sequence[Identity], targets: Sequence[Identity], *, unknown: Identity | None = None
) -> str:
    left = [t.full_id for t in targets if t not in done and t != unknown]
    text = f"Unlinked: {', '.join(d.full_id for d in done) or 'none'}. "
    if unknown is not None:
        text += f"Unknown: {unknown.full_id}. "
    return text + f"Still linked: {', '.join(left) or 'none'}."


def _read_back_unlink(
    client: Auth0Client,
    *,
    user_id: str,
    identity: Identity,
    done: Sequence[Identity],
    targets: Sequence[Identity],
    lost: Auth0LinkError,
    sleep: Callable[[float], None],
) -> list[Identity]:
    """The unlink's answer was lost: read the user back until the identity is gone, or say unknown."""
    seen: list[Identity] = []

    def gone() -> bool:
        user = client.get_user(user_id)
        seen[:] = user.identities
        return user.find_identity(identity.provider, identity.user_id) is None

    applied, read_error = read_back(gone, sleep=sleep)
    if applied:
        return seen
    why = (
        f"reading {user_id} back failed ({read_error.message})"
        if read_error is not None
        else f"reading {user_id} back for {sum(DELAYS):g} s still lists it, but the tenant may still "
        "apply the request"
    )
    raise LinkAborted(
        f"The answer to unlinking {identity.full_id} was lost ({lost.message.rstrip('.')}); {why}, so "
        "whether it was unlinked is unknown. " + _unlink_progress(done, targets, unknown=identity),
        hint="check in a minute with: auth0link identities",
        cause=read_error or lost,
    )


# -- the second login: adapters over the login flows --------------------------------------------


def pkce_second_login(
    client: Auth0Client,
    *,
    endpoints: Endpoints,
    jwks_provider: Callable[[], dict[str, Any]],
    client_id: str,
    scope: str,
    audience: str | None,
    callback_ports: Sequence[int],
    open_browser: Callable[[str], bool],
    on_url: Callable[[str], None],
    timeout: float = 300.0,
) -> Callable[[LoginRequest], SecondLogin]:
    """The browser second login: PKCE with the request's ``prompt``/``max_age``/``connection``.

    ``run_pkce_login`` makes its own ``state`` and ``nonce`` and, with ``require_fresh_auth``,
    checks ``auth_time`` against the moment it started.
    """

    def login(request: LoginRequest) -> SecondLogin:
        from auth0link.auth.pkce import run_pkce_login

        result = run_pkce_login(
            client,
            endpoints=endpoints,
            jwks_provider=jwks_provider,
            client_id=client_id,
            scope=scope,
            audience=audience,
            callback_ports=callback_ports,
            connection=request.connection,
            prompt=request.prompt,
            max_age=request.max_age,
            login_hint=request.login_hint,
            open_browser=open_browser,
            on_url=on_url,
            timeout=timeout,
            require_fresh_auth=request.require_fresh_auth,
        )
        id_token = result.tokens.id_token
        if not id_token:
            raise IdTokenError("The second login returned no ID token, so it cannot be linked.")
        return SecondLogin(
            id_token=id_token, claims=result.claims, tokens=result.tokens, started_at=result.started_at
        )

    return login


def stdin_second_login(
    id_token: str,
    *,
    jwks_provider: Callable[[], dict[str, Any]],
    issuer: str,
    client_id: str,
    clock: Callable[[], float] = time.time,
) -> Callable[[LoginRequest], SecondLogin]:
    """``--id-token -``: validate the token like a login's (signature, ``iss``, ``aud``, ``exp``).

    ``nonce`` and ``auth_time`` cannot be checked (we did not start that login), and there is
    no access token for the secondary account.
    """
    token = id_token.strip()

    def login(_request: LoginRequest) -> SecondLogin:
        from auth0link.auth.oidc import validate_with_provider

        if not token:
            raise UsageError(
                "No ID token on stdin.", hint="pipe the secondary account's ID token into --id-token -"
            )
        claims = validate_with_provider(
            token, jwks_provider=jwks_provider, issuer=issuer, client_id=client_id, nonce=None, now=clock()
        )
        return SecondLogin(id_token=token, claims=claims, tokens=None, started_at=None)

    return login
