"""``auth0link logout``: revoke and forget a session (``--all`` for every profile, ``--machine``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from auth0link.cli._globals import command, pass_app

if TYPE_CHECKING:
    from auth0link.application import Application
    from auth0link.infra.session_index import IndexEntry, SessionIndex


@command()
@click.option("--all", "all_profiles", is_flag=True, help="Log out of every stored session (all profiles).")
@click.option("--machine", is_flag=True, help="Forget the machine (M2M) token and client secret instead.")
@pass_app
def logout(app: Application, *, all_profiles: bool, machine: bool) -> None:
    """Revoke the refresh token and delete the stored session."""
    if machine:
        if app.machine.logout():
            app.output.success("Machine credentials removed.")
        else:
            app.output.info("No machine credentials stored; nothing to do.")
        return
    from auth0link.errors import Auth0LinkError, ConfigurationError, Fix, clause
    from auth0link.infra.session_index import SessionIndex

    index = SessionIndex(app.settings.config_dir)
    entries = index.entries() if all_profiles else []
    current_key = None
    try:
        current = app.index_entry()
        current_key = current.key
        entries = [current, *(e for e in entries if e.key != current.key)]
    except ConfigurationError:
        if not all_profiles:
            raise
    done = failed = 0
    for entry in entries:
        try:
            done += _logout_one(app, entry, index=index)
        except Auth0LinkError as exc:
            if not all_profiles:
                raise
            failed += 1  # --all goes on: one broken store must not keep the other sessions
            app.output.warn(
                f"could not log out of {entry.domain}, profile {entry.profile}: {clause(exc.message)}"
                + (f" ({exc.hint})" if exc.hint else "")
            )
    if failed:
        raise Auth0LinkError(
            f"{failed} of {len(entries)} session(s) could not be logged out (see the warnings above).",
            hint=Fix.run(
                "logout", "--all", lead="fix what each warning names (e.g. unlock the keyring), then run: "
            ),
        )
    if (not done and current_key is not None) or not entries:
        app.output.info("Not logged in; nothing to do.")


def _logout_one(app: Application, entry: IndexEntry, *, index: SessionIndex) -> bool:
    """Log out of one indexed session and say so; True if there was a session."""
    from auth0link.auth.discovery import discover
    from auth0link.usecases.logout import logout as use_case

    result = use_case(
        entry,
        store=app.profiles.store_for(entry),
        client_factory=lambda _base: app.profiles.client_for(entry),
        endpoints_for=lambda client: discover(client, cache_dir=app.cache_dir),
        index=index,
        lock=app.session_lock(entry.key),
    )
    if result.warning:
        app.output.warn(result.warning)
    if result.had_session:
        revoked = " (refresh token revoked)" if result.revoked else ""
        app.output.success(f"Logged out of {result.domain}, profile {result.profile}{revoked}")
    return result.had_session
