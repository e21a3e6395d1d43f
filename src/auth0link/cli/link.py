"""``auth0link link``: attach another of your accounts (or, as admin, any two users)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import click

from auth0link.cli._globals import command, pass_app
from auth0link.cli._prompts import confirm, require_yes_or_tty
from auth0link.cli._second_login import link_sign_in

if TYPE_CHECKING:
    from auth0link.application import Application
    from auth0link.models import LinkPlan, LinkResult
    from auth0link.usecases.link import LinkOptions


@command()
@click.option(
    "--connection",
    metavar="NAME",
    help="Connection of the account to attach (google-oauth2, github, email, sms, …); "
    "the login page goes straight to it.",
)
@click.option(
    "--login-hint",
    metavar="EMAIL",
    help="Pre-fill the second login; if another account signs in, nothing is linked.",
)
@click.option(
    "--primary",
    "primary_choice",
    type=click.Choice(["current", "secondary"]),
    default="current",
    show_default=True,
    help="Which account stays the primary user: the one logged in now, or the one you sign in "
    "to now (then the stored session switches to it).",
)
@click.option(
    "--no-merge-metadata",
    is_flag=True,
    help="Do not copy the other account's user_metadata (the backup is still written).",
)
@click.option(
    "--prefer-secondary-metadata",
    is_flag=True,
    help="On conflicting user_metadata keys, take the secondary's value (default: the primary's value wins).",
)
@click.option(
    "--allow-unverified",
    is_flag=True,
    help="Link even if the account's email (or phone) is not verified (account-takeover risk).",
)
@click.option(
    "--allow-different-email",
    is_flag=True,
    help="Link even if the second account's email differs from yours, without asking "
    "(otherwise that needs a yes on a terminal, or --login-hint naming it).",
)
@click.option(
    "--no-browser",
    is_flag=True,
    help="Print the login URL instead of opening a browser (over SSH, forward the callback port).",
)
@click.option(
    "--id-token",
    "id_token_source",
    metavar="-",
    help="Read the secondary account's ID token from stdin ('-' only; never from arguments). "
    "Signature, iss, aud and exp are checked; nonce and auth_time cannot be (auth0link did not "
    "start that login). Needs --no-merge-metadata and --yes: without the account's access token "
    "its user_metadata cannot be read.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(1, 3600),
    default=300.0,
    show_default=True,
    help="Seconds to wait for the second login.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the resulting identities as JSON.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--user", "admin_user", metavar="PRIMARY_ID", help="Admin: link into this user (login --machine)."
)
@click.option(
    "--provider", "admin_provider", metavar="P", help="Admin: the secondary's provider (with --user)."
)
@click.option("--user-id", "admin_user_id", metavar="U", help="Admin: the secondary's user_id (with --user).")
@click.option("--connection-id", metavar="C", help="Admin: the secondary's connection ID (optional).")
@pass_app
def link(app: Application, **flags: Any) -> None:
    """Link another of your accounts to the logged-in user.

    \b
    1. a fresh login of the other account (prompt=login, max_age=0);
    2. checks: a different account, the --login-hint one, email verified,
       the same email as yours (or your yes), not already linked;
    3. a backup of both users in <data dir>/backups (path printed);
    4. the other account's user_metadata merged in (shown, then confirmed);
    5. the link (POST /api/v2/users/{primary}/identities), then the identities.
    If a step fails, the message says what was and was not changed.
    Auth0 does not allow linking through the device flow: on a remote machine
    use --no-browser (and ssh -L 8484:127.0.0.1:8484) or --id-token -.
    """
    opts = LinkFlags(**flags)
    result = _admin_link(app, opts) if opts.admin_form else _user_link(app, opts)
    from auth0link.output import clean

    keys = ", ".join(clean(key) for key in result.metadata_patched)
    merged = f", merged user_metadata keys {keys}" if keys else ""
    app.output.success(
        f"Linked {clean(result.secondary_id)} into {clean(result.user.user_id)}{merged} "
        f"(backup: {clean(result.backup)})"
    )
    app.output.identities(result.user, as_json=opts.as_json)


@dataclasses.dataclass(frozen=True)
class LinkFlags:
    """The options of ``link``, as click parsed them (one field per option)."""

    admin_user: str | None
    admin_provider: str | None
    admin_user_id: str | None
    connection_id: str | None
    connection: str | None
    login_hint: str | None
    primary_choice: str
    no_merge_metadata: bool
    prefer_secondary_metadata: bool
    allow_unverified: bool
    allow_different_email: bool
    no_browser: bool
    id_token_source: str | None
    timeout: float
    as_json: bool
    yes: bool

    @property
    def admin_form(self) -> bool:
        """``--user`` and friends: the admin form (machine credentials)."""
        return bool(self.admin_user or self.admin_provider or self.admin_user_id or self.connection_id)


def _admin_link(app: Application, opts: LinkFlags) -> LinkResult:
    """``link --user PRIMARY --provider P --user-id U``: the same sequence with machine credentials."""
    from auth0link.errors import Fix, UsageError, cmd
    from auth0link.usecases.link import AdminLinkRequest, link_as_admin

    if not (opts.admin_user and opts.admin_provider and opts.admin_user_id):
        raise UsageError(
            "The admin form needs --user PRIMARY_ID --provider P --user-id U.",
            hint=Fix(
                "e.g. ",
                cmd("link", "--user", "'auth0|abc'", "--provider", "google-oauth2", "--user-id", "1093"),
            ),
        )
    request = AdminLinkRequest(
        primary_id=opts.admin_user,
        provider=opts.admin_provider,
        user_id=opts.admin_user_id,
        connection_id=opts.connection_id,
        prefer_secondary=opts.prefer_secondary_metadata,
        allow_unverified=opts.allow_unverified,
    )
    return link_as_admin(request, app)


def _link_options(app: Application, opts: LinkFlags) -> LinkOptions:
    """The user form's choices (``--id-token`` only ever reads stdin)."""
    from auth0link.errors import UsageError
    from auth0link.usecases.link import LinkOptions

    if opts.id_token_source is not None and opts.id_token_source != "-":  # noqa: S105 - '-' means stdin
        raise UsageError(
            "--id-token only reads from stdin: pass --id-token - and pipe the token in.",
            hint="tokens in arguments end up in shell history and process lists",
        )
    return LinkOptions(
        connection=opts.connection,
        login_hint=opts.login_hint,
        allow_unverified=opts.allow_unverified,
        merge_metadata=not opts.no_merge_metadata,
        prefer_secondary=opts.prefer_secondary_metadata,
        direction="secondary" if opts.primary_choice == "secondary" else "current",
        id_token_from_stdin=opts.id_token_source == "-",  # noqa: S105 - '-' means stdin, not a secret
        allow_different_email=opts.allow_different_email,
        interactive=not opts.yes and not app.settings.no_input,
    )


def _user_link(app: Application, opts: LinkFlags) -> LinkResult:
    """The user's own link: a second login, then the safe-link sequence."""
    from auth0link.usecases.link import LinkUi, link_as_user

    options = _link_options(app, opts)
    yes = opts.yes
    require_yes_or_tty(app, yes=yes, what="link")

    def show_and_confirm(plan: LinkPlan) -> bool:
        app.output.link_plan(plan)
        merging = plan.merge is not None and bool(plan.merge.changes)
        return confirm("Merge and link now?" if merging else "Link now?", yes=yes)

    sign_in = link_sign_in(
        app, from_stdin=options.id_token_from_stdin, no_browser=opts.no_browser, timeout=opts.timeout
    )
    return link_as_user(
        options, app, LinkUi(sign_in=sign_in, confirm=show_and_confirm, report=app.output.info)
    )
