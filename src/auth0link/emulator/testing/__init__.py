"""Helpers for testing apps against the emulator (not part of Auth0's API).

- :mod:`.tenant`: :func:`~.tenant.start_tenant` serves a tenant over HTTPS and in process;
  :class:`~.tenant.EmulatedTenant` says where it is, who is in it, and steers it.
- :mod:`.control`: :class:`~.control.EmulatorControl`, the one client of ``/__emulator/*``, and
  the outbox, clock and fault handles built on it.
- :mod:`.transport`: the in-process transports for httpx and requests.

The pytest plugin :mod:`auth0link.emulator.pytest_plugin` gives these as fixtures.
"""
