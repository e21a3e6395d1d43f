"""The signing key generated on a thread while the server imports (keygen.EarlyKey)."""

from __future__ import annotations

import pytest

from auth0link.emulator.keygen import KEY_SIZE, EarlyKey
from auth0link.emulator.persistence import build_tenant


def test_the_tenant_signs_with_the_early_key() -> None:
    """build_tenant(early_key=…) uses that key: its JWKS holds the key's modulus."""
    early = EarlyKey.start()
    tenant = build_tenant("https://tenant.test", early_key=early)
    private = early.take()
    assert private.key_size == KEY_SIZE
    assert tenant.key.private_key is private
    assert build_tenant("https://tenant.test").key.private_key is not private  # else a fresh one


def test_an_error_on_the_thread_is_raised_by_take(monkeypatch: pytest.MonkeyPatch) -> None:
    """What failed while generating is raised where the key is needed, not lost on the thread."""

    def broken() -> None:
        raise OSError("no entropy")

    monkeypatch.setattr("auth0link.emulator.keygen.generate_private_key", broken)
    early = EarlyKey.start()
    with pytest.raises(OSError, match="no entropy"):
        early.take()
