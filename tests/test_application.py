"""The Application: what it builds for sessions of other profiles (logout --all)."""

from __future__ import annotations

from pathlib import Path

from auth0link import config
from auth0link.application import Application, Services
from auth0link.infra.session_index import IndexEntry


def _app(tmp_path: Path, env: dict[str, str] | None = None, ca_bundle: str | None = None) -> Application:
    """An Application for profile ``default`` with its config under ``tmp_path``."""
    base = {"AUTH0LINK_CONFIG_DIR": str(tmp_path / "config"), "AUTH0LINK_DATA_DIR": str(tmp_path / "data")}
    settings = config.resolve_settings(env={**base, **(env or {})}, stdin_isatty=False, ca_bundle=ca_bundle)
    return Application.from_services(settings, Services())


def _entry(profile: str) -> IndexEntry:
    """A stored session of ``profile``."""
    return IndexEntry(
        key=f"{profile}-key", profile=profile, domain="https://t.example", client_id="abc", storage="file"
    )


def test_each_profile_session_trusts_its_own_profile_ca_bundle(tmp_path: Path) -> None:
    """logout --all revokes another profile's token trusting that profile's ca_bundle, not the active one's."""
    config_dir = tmp_path / "config"
    config.ProfileFile(config_dir, "default").write({"ca_bundle": "/ca/default.pem"})
    config.ProfileFile(config_dir, "work").write({"ca_bundle": "/ca/work.pem"})
    config.ProfileFile(config_dir, "plain").write({"domain": "t.example"})
    app = _app(tmp_path)
    assert app.profiles.ca_bundle_of(_entry("default")) == Path("/ca/default.pem")
    assert app.profiles.ca_bundle_of(_entry("work")) == Path("/ca/work.pem")
    assert app.profiles.ca_bundle_of(_entry("plain")) is None


def test_a_flag_or_env_ca_bundle_applies_to_every_profile(tmp_path: Path) -> None:
    """--ca-bundle and AUTH0LINK_CA_BUNDLE win over every profile's key, as they do for the active one."""
    config.ProfileFile(tmp_path / "config", "work").write({"ca_bundle": "/ca/work.pem"})
    by_flag = _app(tmp_path, ca_bundle="/ca/flag.pem")
    by_env = _app(tmp_path, env={"AUTH0LINK_CA_BUNDLE": "/ca/env.pem"})
    assert by_flag.profiles.ca_bundle_of(_entry("work")) == Path("/ca/flag.pem")
    assert by_env.profiles.ca_bundle_of(_entry("work")) == Path("/ca/env.pem")
