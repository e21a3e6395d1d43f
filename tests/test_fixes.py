"""Fixes are values: a Fix renders as today's hint text, with ``--profile`` placed in one way."""

from __future__ import annotations

from auth0link.errors import LOGIN, Auth0LinkError, Fix, LoginRequired, TlsError, cmd, render_fix


def test_a_command_fix_renders_as_the_hint_users_know() -> None:
    """Fix.run("login") reads `run: auth0link login`, the default fix of LoginRequired."""
    assert render_fix(Fix.run("login")) == "run: auth0link login"
    assert LoginRequired().hint == "run: auth0link login"
    assert LoginRequired().fix == LOGIN == Fix("run: ", cmd("login"), "")


def test_the_profile_goes_right_after_auth0link_in_every_command() -> None:
    """`--profile NAME` is a global option: `auth0link --profile work login`, in each command of the fix."""
    fix = Fix(cmd("identities", "--secondary-only"), " | grep X | ", cmd("unlink", "-", "--yes"))
    assert render_fix(fix, profile="work") == (
        "auth0link --profile work identities --secondary-only | grep X | auth0link --profile work unlink - --yes"
    )
    assert render_fix(fix) == "auth0link identities --secondary-only | grep X | auth0link unlink - --yes"


def test_a_command_for_another_profile_keeps_its_own() -> None:
    """A command that names its profile (status fixing another profile) keeps it over the flag's."""
    fix = Fix.run("login", profile="work")
    assert render_fix(fix) == "run: auth0link --profile work login"
    assert render_fix(fix, profile="home") == "run: auth0link --profile work login"


def test_fixes_compose_as_values_not_text() -> None:
    """Text and fixes add up into one Fix whose commands stay values (nothing parses text back)."""
    fix = "nothing was stored; " + LOGIN + " (then " + Fix(cmd("link"), " again)")
    assert fix.commands == (cmd("login"), cmd("link"))
    assert render_fix(fix) == "nothing was stored; run: auth0link login (then auth0link link again)"


def test_a_sentence_hint_is_a_fix_without_a_command() -> None:
    """hint="…" keeps working: a plain sentence becomes a Fix with no command, shown as written."""
    error = Auth0LinkError("Broken.", hint="try again later")
    assert error.fix == Fix("try again later")
    assert error.fix.commands == ()
    assert error.hint == "try again later"
    assert str(error) == "Broken. (try again later)"
    assert Auth0LinkError("Broken.").hint is None


def test_a_tls_error_carries_its_remedy_in_the_message() -> None:
    """TlsError: one line, problem then remedy; the remedy stays a value for doctor."""
    remedy = Fix("use the host name: ", cmd("config", "set", "domain", "HOST"))
    error = TlsError("The certificate of h:1 was not accepted", fix=remedy)
    assert (
        error.message
        == "The certificate of h:1 was not accepted; use the host name: auth0link config set domain HOST."
    )
    assert error.remedy == remedy
    assert error.fix is None
