"""The domain views: identities, link and unlink plans, login prompts, sessions, doctor."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, TextIO, cast

from auth0link.output._streams import IDENTITY_COLUMNS, Streams
from auth0link.output._text import clean, dumps, short

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from auth0link.models import (
        BatchSummary,
        Check,
        DeviceAuthorization,
        Identity,
        LinkPlan,
        LoginOutcome,
        MachineStatus,
        Restored,
        SessionStatus,
        User,
    )


DEFAULT_CALLBACK_PORT = 8484  # only when the URL names no redirect_uri port


class Renderings(Streams):
    """How each result is shown (tables and data on stdout, plans and prompts on stderr)."""

    def identities(
        self,
        user: User,
        *,
        as_json: bool,
        header: bool = True,
        secondary_only: bool = False,
        spreadsheet: bool = False,
    ) -> None:
        """The user's identities as a table, TSV, spreadsheet-safe CSV or JSON."""
        identities = user.secondary_identities if secondary_only else user.identities
        if as_json:
            self.json(
                {
                    "user_id": user.user_id,
                    "email": user.email,
                    "identities": [_identity_json(i, user) for i in identities],
                }
            )
            return
        rows = [
            (i.provider, i.user_id, i.connection, i.is_social, i.full_id == user.user_id, name, email)
            for i in identities
            for name, email in [_name_and_email(i, user)]
        ]
        title = f"Identities of {clean(user.user_id)}"
        self.table(IDENTITY_COLUMNS, rows, title=title, header=header, spreadsheet=spreadsheet)

    def link_plan(self, plan: LinkPlan) -> None:
        """What ``link`` is about to do (stderr): which is the primary, and the metadata merge."""
        primary = plan.primary.user_id
        if plan.different_accounts is not None:
            signed_in, second = plan.different_accounts
            self.warn(
                "the two accounts have different emails:"
                if plan.emails_compared
                else "one of the two accounts has no email to compare (an SMS account):"
            )
            self.info(f"  logged in:        {clean(signed_in)}")
            self.info(f"  just signed in:   {clean(second)}")
            self.info("  Link them only if both are yours and you just signed in to the second one yourself.")
        contact = f" ({clean(plan.secondary_contact)})" if plan.secondary_contact else ""
        self.info(f"Link {clean(plan.secondary_id)}{contact} into {clean(primary)}.")
        secondary = clean(plan.secondary_id)
        self.info(f"  {clean(primary)} stays the primary user; {secondary} becomes one of its identities")
        self.info("  and Auth0 discards its own user_metadata and app_metadata.")
        if plan.secondary_app_metadata:
            lost = ", ".join(f"{clean(k)}: {short(v)}" for k, v in plan.secondary_app_metadata.items())
            self.warn(f"app_metadata of {clean(plan.secondary_id)} that will be lost (never merged): {lost}")
        merge = plan.merge
        if merge is None:
            reason = plan.merge_skipped_reason or "no access token for the secondary account"
            self.info(f"  user_metadata: not merged ({clean(reason)}).")
            return
        if not merge.patch and not merge.conflicts:
            self.info(f"  user_metadata: nothing to merge into {clean(primary)}.")
            return
        self.info(f"  user_metadata merge into {clean(primary)}:")
        for key, value in merge.patch.items():
            if key in merge.conflicts:
                old = merge.conflicts[key][0]
                self.info(f"    ~ {clean(key)}: {short(value)} (replaces {short(old)})")
            else:
                self.info(f"    + {clean(key)}: {short(value)}")
        for key, (kept_value, other) in merge.conflicts.items():
            if key not in merge.patch:
                self.info(
                    f"    = {clean(key)}: {short(kept_value)} (kept; the other account had {short(other)})"
                )

    def unlink_plan(self, user: User, targets: Sequence[Identity], *, restoring: bool = False) -> None:
        """What ``unlink`` is about to do (stderr); ``restoring``: the metadata is put back after."""
        for identity in targets:
            who = clean(identity.full_id)
            what = f"Unlink {who} from {clean(user.user_id)}: it becomes a separate user again"
            self.info(
                f"{what}; then you sign in to it once more, and its user_metadata is restored from the "
                "link backup with its own token."
                if restoring
                else f"{what}, without the metadata it lost when it was linked (find that in the link "
                f"backup: auth0link backups list --user '{who}')."
            )

    def restore_plan(
        self, backup: str, user_id: str, *, tenant: str, body: dict[str, object], machine: bool
    ) -> None:
        """What a restore is about to write (stderr): the backup, the tenant, each metadata's keys."""
        self.info(f"Restore {clean(user_id)} on the tenant {clean(tenant)} from {clean(backup)}:")
        if not body:
            self.info("  the backup holds no metadata: nothing will be written.")
        for field, value in body.items():
            keys = ", ".join(clean(key) for key in value) if isinstance(value, dict) else ""
            who = "" if machine or field == "user_metadata" else " (needs an administrator: --machine)"
            self.info(f"  {field}: {short(value, 200)} (keys: {keys}){who}")

    def restored(self, restored: Restored) -> None:
        """What a restore put back (stderr), and what only an administrator can."""
        who = clean(restored.user.user_id)
        if restored.restored:
            what = " and ".join(restored.restored)
            self.success(f"Restored the {what} of {who} from {clean(restored.backup)}")
        else:
            self.info(f"The backup {clean(restored.backup)} holds no metadata to restore for {who}.")
        if restored.needs_admin:
            self.warn(
                f"the backup also holds app_metadata, which only an administrator can restore: "
                f"auth0link login --machine …, then auth0link backups restore '{who}' --machine"
            )

    # -- login, status, doctor ------------------------------------------------------------

    def login_url(self, url: str, *, browser: bool = True, first_port: int | None = None) -> None:
        """The authorize URL, always on stderr; without a browser (``--no-browser``), the ssh hint too.

        ``first_port``: the first callback port; a login listening on a later one says so.
        """
        if first_port is not None:
            self.callback_port_note(url, first_port=first_port)
        if browser:
            self.info("Opening the login page in your browser. If it does not open, visit:")
            self.info(f"  {clean(url)}")
            return
        self.info("Open this URL in a browser to log in:")
        self.info(f"  {clean(url)}")
        self.ssh_hint(url, default_port=DEFAULT_CALLBACK_PORT)

    def callback_port_note(self, url: str, *, first_port: int) -> None:
        """Once per login, when its callback listens on a later port than the first one (busy)."""
        from urllib.parse import parse_qs, urlsplit

        redirect = parse_qs(urlsplit(url).query).get("redirect_uri", [""])[0]
        port = urlsplit(redirect).port
        if port is not None and port != first_port:
            self.info(f"Callback port {first_port} is in use; listening on port {port} instead.")

    def ssh_hint(self, url: str, *, default_port: int) -> None:
        """For a login URL opened on another machine: how to forward its loopback callback port."""
        from urllib.parse import parse_qs, urlsplit

        redirect = parse_qs(urlsplit(url).query).get("redirect_uri", [""])[0]
        port = urlsplit(redirect).port or default_port
        self.info(f"  (browser on another machine? first run there: ssh -L {port}:127.0.0.1:{port} HOST)")

    def device_code(self, auth: DeviceAuthorization) -> None:
        """The verification URL and user code (stderr), and a QR code on a terminal."""
        self.info(f"To log in, visit {clean(auth.verification_uri)} and enter the code:")
        self.info(f"  {clean(auth.user_code)}")
        if auth.verification_uri_complete:
            self.info(f"or open: {clean(auth.verification_uri_complete)}")
            if self.stderr_isatty:
                self.qr(auth.verification_uri_complete)

    def qr(self, text: str) -> None:
        """A QR code on stderr when segno (the 'qr' extra) is installed; otherwise nothing."""
        try:
            import segno
        except ImportError:
            return
        segno.make(text, error="l").terminal(out=cast("TextIO", self.stderr), compact=True)
        self.stderr.flush()

    @contextlib.contextmanager
    def waiting(self, message: str) -> Iterator[Callable[[float], None]]:
        """A spinner with the time left on a terminal; silent otherwise.

        Yields a callable taking the seconds remaining (called by the polling loop).
        """
        if not self.stderr_isatty:
            yield lambda _remaining: None
            return
        status = self.console(stderr=True).status(message, spinner="dots")

        def update(remaining: float) -> None:
            minutes, seconds = divmod(int(remaining), 60)
            status.update(f"{message} ({minutes}:{seconds:02d} left, Ctrl-C to cancel)")

        with status:
            yield update

    def login_done(self, outcome: LoginOutcome) -> None:
        """The success line after a login (stderr)."""
        who = clean(outcome.email or outcome.name or outcome.user_id)
        self.success(f"Logged in as {who} ({clean(outcome.user_id)})")
        self.info(f"Tokens stored in {clean(outcome.storage)}.")

    def sessions(
        self,
        statuses: Sequence[SessionStatus],
        *,
        as_json: bool,
        env_token: bool,
        machines: Sequence[MachineStatus] = (),
    ) -> None:
        """``auth0link status``: one block per profile and tenant (stdout), or JSON."""
        if as_json:
            self.json(
                {
                    "env_token": env_token,
                    "sessions": [s.to_json() for s in statuses],
                    "machines": [m.to_json() for m in machines],
                }
            )
            return
        lines: list[str] = []
        if env_token:
            lines.append("AUTH0LINK_ACCESS_TOKEN is set: commands use it, not the stored sessions.")
            lines.append("  Fix: unset AUTH0LINK_ACCESS_TOKEN to use the stored login.")
        blocks: dict[tuple[str, str], tuple[list[SessionStatus], list[MachineStatus]]] = {}
        for status in statuses:
            blocks.setdefault((status.profile, status.domain), ([], []))[0].append(status)
        for machine in machines:
            blocks.setdefault((machine.profile, machine.domain), ([], []))[1].append(machine)
        for (profile, domain), (users, apps) in blocks.items():
            active = any(u.active for u in users) or any(m.active for m in apps)
            lines.append(f"{clean(domain)} — profile {clean(profile)}{' (active)' if active else ''}")
            for status in users:
                lines.extend(_session_lines(status))
            for machine in apps:
                lines.extend(_machine_lines(machine))
            if apps and not any(u.logged_in for u in users):
                lines.append("  - No user login (link, unlink and identities without --user need one)")
        self.data("\n".join(lines) if lines else "No sessions.")

    def doctor(self, checks: Sequence[Check], *, as_json: bool) -> None:
        """``auth0link doctor``: one line per check, with the fix under each failure (stdout)."""
        if as_json:
            self.json({"ok": all(c.ok is not False for c in checks), "checks": [c.to_json() for c in checks]})
            return
        lines = []
        for check in checks:
            mark = {True: "✓", False: "X", None: "-"}[check.ok]
            lines.append(f"{mark} {clean(check.name)}: {clean(check.detail)}")
            if check.fix and check.ok is not True:
                lines.append(f"    fix: {clean(check.fix)}")
        self.data("\n".join(lines))

    def batch_summary(self, summary: BatchSummary, *, as_json: bool) -> None:
        """The last line of a ``batch-link`` run (stderr), and the counts as JSON on stdout."""
        if as_json:
            self.data(dumps(summary.to_json()))
        if summary.planned or (not summary.journal and not summary.processed):
            self.info(
                f"dry run: {summary.planned} pair(s) would be linked, {summary.invalid} invalid line(s), "
                f"{summary.done_before} already done in the journal."
            )
            return
        rate = summary.requests / summary.elapsed if summary.elapsed else 0.0
        self.info(
            f"linked {summary.linked}, already linked {summary.already_linked}, skipped {summary.skipped}, "
            f"failed {summary.failed}, invalid lines {summary.invalid}, done earlier {summary.done_before} "
            f"in {summary.elapsed:.1f} s ({summary.requests} requests, {rate:.1f}/s, "
            f"{summary.rate_limited} rate-limited)"
        )
        if summary.backup:
            self.info(f"backup: {summary.backup}")


def _name_and_email(identity: Identity, user: User) -> tuple[str | None, str | None]:
    """An identity's name and email: the user's own for the primary identity, else its profileData."""
    name, email = _profile_name(identity.profile_data), identity.profile_data.get("email")
    if identity.full_id == user.user_id:
        return user.name or name, user.email or email
    return name, email


def _profile_name(profile: dict[str, Any]) -> str | None:
    """A name from profileData: ``name``, else given and family name, else username or nickname.

    A database identity's profileData has no ``name`` on a real tenant (Auth0 derives it).
    """
    if isinstance(profile.get("name"), str) and profile["name"]:
        return str(profile["name"])
    parts = [profile.get(key) for key in ("given_name", "family_name")]
    full = " ".join(part for part in parts if isinstance(part, str) and part)
    if full:
        return full
    for key in ("username", "nickname"):
        if isinstance(profile.get(key), str) and profile[key]:
            return str(profile[key])
    return None


def _identity_json(identity: Identity, user: User) -> dict[str, object]:
    """``--json``: the same name and email as the table shows."""
    data = identity.to_json(primary_user_id=user.user_id)
    data["name"], data["email"] = _name_and_email(identity, user)
    return data


_CHECKED = {
    "ok": ("✓", "checked with the tenant"),
    "offline": ("✓", "as stored; not checked with the tenant"),
    "refused": ("X", "refused by the tenant"),
    "unreachable": ("?", "the tenant could not be reached"),
}


def _session_lines(status: SessionStatus) -> list[str]:
    """A user session's lines in ``status`` (problems last, each with its fix)."""
    import time

    lines: list[str] = []
    if status.logged_in:
        mark, checked = _CHECKED[status.check]
        who = f"{clean(status.user_id)}" + (f" ({clean(status.email)})" if status.email else "")
        lines.append(f"  {mark} Logged in as {who} — {checked}")
        if status.expires_at is not None:
            left = int(status.expires_at - time.time())
            if status.expired:
                state = "expired; refreshes on next use" if status.refreshable else "expired"
            else:
                state = f"expires in {left // 3600} h {left % 3600 // 60} min"
            lines.append(f"  - Access token: {state}")
        lines.append(f"  - Refresh token: {'yes' if status.refreshable else 'no'}")
        lines.append(f"  - Scopes: {clean(' '.join(status.scopes))}")
    if status.logged_in or status.problems:
        lines.append(f"  - Storage: {clean(status.storage)}")
    lines.extend(f"  X {clean(str(problem))}" for problem in status.problems)
    return lines


def _machine_lines(machine: MachineStatus) -> list[str]:
    """Machine credentials' lines in ``status``: on their own line, then any problem with its fix."""
    mark, checked = _CHECKED[machine.check]
    scopes = " ".join(machine.scopes) or "no scopes"
    lines = [f"  {mark} Machine credentials: client {clean(machine.client_id)}, {clean(scopes)} — {checked}"]
    lines.extend(f"  X {clean(str(problem))}" for problem in machine.problems)
    return lines
