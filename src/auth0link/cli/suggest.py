"""``auth0link suggest``: candidate pairs among users who share a verified email (admin)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from auth0link.cli._globals import command, pass_app

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from auth0link.application import Application


@command()
@click.option("--email", metavar="EMAIL", help="Only users with this email (users-by-email).")
@click.option("--all", "scan_all", is_flag=True, help="Scan the whole tenant (paged user search).")
@click.option("--include-unverified", is_flag=True, help="Also users whose email is not verified (risky).")
@click.option(
    "--prefer-connection",
    metavar="NAME",
    help="Make a user of this connection the primary when a group has one.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line (stable keys).")
@click.option("--no-header", is_flag=True, help="Omit the TSV header line when piped.")
@pass_app
def suggest(
    app: Application,
    *,
    email: str | None,
    scan_all: bool,
    include_unverified: bool,
    prefer_connection: str | None,
    as_json: bool,
    no_header: bool,
) -> None:
    """Suggest pairs of accounts to link (admin).

    \b
    Users sharing a verified email. Suggested primary: a --prefer-connection
    user, else one already holding linked identities, else the oldest database
    (auth0|…) account, else the oldest account.
    TSV when piped (primary_id, secondary_id, email, reason), so
      auth0link suggest --all | auth0link batch-link -
    works; a table on a terminal; JSON lines with --json. Needs read:users.
    """
    from auth0link.errors import UsageError
    from auth0link.usecases import suggest as use_case

    if bool(email) == scan_all:
        raise UsageError("Pass either --email EMAIL or --all.", hint="e.g. auth0link suggest --all")
    client = app.admin_client()
    found: Iterable[Any]
    if email:
        found = use_case.suggest_for_email(
            client, email, include_unverified=include_unverified, prefer_connection=prefer_connection
        )
    else:
        progress = app.output.progress(total=None, label="scanning users", unit="page")

        def on_page(seen: int, _total: int | None) -> None:
            progress.advance(f"{seen} users read")

        found = _close_after(
            use_case.scan_tenant(
                client,
                include_unverified=include_unverified,
                prefer_connection=prefer_connection,
                on_page=on_page,
            ),
            progress.close,
        )
    count = app.output.rows(
        use_case.SUGGEST_COLUMNS,
        (s.row() for s in found),
        as_json=as_json,
        header=not no_header,
        title="Suggested links",
    )
    app.output.info(f"{count} pair(s) suggested.")


def _close_after(items: Iterable[Any], close: Callable[[], None]) -> Iterator[Any]:
    """Yield ``items``, calling ``close`` before the first one (the scan is over by then)."""
    iterator = iter(items)
    try:
        first = next(iterator)
    except StopIteration:
        close()
        return
    close()
    yield first
    yield from iterator
