"""The one client of the test-only ``/__emulator/*`` endpoints, and the handles built on it.

:class:`EmulatorControl` makes every control request (a base URL, the headers every request
carries, and an httpx transport: in process or over HTTPS), so a credential the control
endpoints ask for is given in one place (``headers``). :class:`Outbox`, :class:`Clock` and
:class:`Faults` are what a test uses::

    tenant.outbox.code("alice@example.com")      # the last one-time code sent there
    tenant.clock.advance(3600)                   # tokens and codes expire
    tenant.faults.inject("GET /api/v2/users/*=503x2")
    tenant.reset()

Every method raises :class:`ControlError` (with the emulator's answer) when a request fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import ssl
    from collections.abc import Mapping


class ControlError(RuntimeError):
    """A ``/__emulator/*`` request failed; the message holds the status and the emulator's answer."""


class EmulatorControl:
    """Requests to ``/__emulator/*`` of one emulator (the only place they are made)."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
        timeout: float = 10.0,
    ) -> None:
        """Talk to ``base_url`` through ``transport`` (default: HTTPS, trusting ``verify``)."""
        self.base_url = base_url
        self._client = httpx.Client(
            base_url=base_url + "/__emulator/",
            headers=dict(headers or {}),
            transport=transport,
            verify=verify,
            timeout=timeout,
        )

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one control request; its JSON answer (``None`` for 204)."""
        try:
            reply = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ControlError(f"{method} /__emulator/{path} failed: {exc}") from exc
        if reply.is_error:
            raise ControlError(
                f"{method} /__emulator/{path} answered {reply.status_code}: {reply.text[:500]}"
            )
        return None if reply.status_code == httpx.codes.NO_CONTENT else reply.json()

    def health(self) -> dict[str, Any]:
        """``{"status": "ok", "base_url": …}``."""
        result: dict[str, Any] = self.request("GET", "health")
        return result

    def state(self) -> dict[str, Any]:
        """The users as JSON, counters (sessions, refresh tokens, device codes) and the clock."""
        result: dict[str, Any] = self.request("GET", "state")
        return result

    def reset(self) -> None:
        """Back to the initial users; forget sessions, codes, tokens, outbox, faults, clock moves."""
        self.request("POST", "reset")

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()


class Outbox:
    """One-time codes the tenant "sent" by email or SMS (passwordless, verification)."""

    def __init__(self, control: EmulatorControl) -> None:
        """Read through ``control``."""
        self._control = control

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        """Messages sent to ``to`` (case-insensitive; all without it), oldest first.

        Each is ``{"to", "connection", "kind" ("email"/"sms"), "code", "text", "sent_at"}``.
        """
        params = {"to": to} if to is not None else {}
        messages: list[dict[str, Any]] = self._control.request("GET", "outbox", params=params)["messages"]
        return messages

    def code(self, to: str) -> str:
        """The code of the last message sent to ``to``; :class:`ControlError` if none was."""
        messages = self.messages(to)
        if not messages:
            raise ControlError(f"no one-time code was sent to {to!r}")
        return str(messages[-1]["code"])

    def clear(self) -> None:
        """Empty the outbox."""
        self._control.request("DELETE", "outbox")


class Clock:
    """The tenant's clock: move it forward to expire tokens, codes and sessions."""

    def __init__(self, control: EmulatorControl) -> None:
        """Move it through ``control``."""
        self._control = control

    def advance(self, seconds: float) -> float:
        """Move the clock ``seconds`` forward; the tenant's time (epoch seconds) after."""
        return float(self._control.request("POST", "clock", json={"advance": seconds})["now"])

    def reset(self) -> float:
        """Undo every :meth:`advance`; the tenant's time after."""
        return float(self._control.request("POST", "clock", json={"reset": True})["now"])

    def now(self) -> float:
        """The tenant's time (epoch seconds)."""
        return float(self._control.state()["now"])


class Faults:
    """Fault rules: make chosen requests fail (the emulator's ``--faults`` SPEC syntax)."""

    def __init__(self, control: EmulatorControl) -> None:
        """Set them through ``control``."""
        self._control = control

    def inject(self, spec: str) -> list[dict[str, Any]]:
        """Add the rules of ``spec`` (``"GET /api/v2/users/*=503x2"``); every active rule after."""
        rules: list[dict[str, Any]] = self._control.request("POST", "faults", json={"spec": spec})["faults"]
        return rules

    def active(self) -> list[dict[str, Any]]:
        """The active rules (``{"method", "path", "fault", "seconds", "count"}``)."""
        rules: list[dict[str, Any]] = self._control.request("GET", "faults")["faults"]
        return rules

    def clear(self) -> None:
        """Remove every rule."""
        self._control.request("DELETE", "faults")
