"""``Auth0Client``: the only package that makes HTTP requests (and the only one importing httpx).

One small typed method per endpoint auth0link uses, on both Auth0 APIs:

* Authentication API (OIDC discovery, JWKS, ``/oauth/device/code``, ``/oauth/token``,
  ``/userinfo``, ``/oauth/revoke``) — errors become :class:`~auth0link.errors.OAuthError`
  carrying the RFC 6749 ``error`` code;
* Management API v2 (users, identities, users-export jobs) — errors become :class:`~auth0link.errors.ApiError`
  subclasses carrying Auth0's ``statusCode``/``error``/``message``/``errorCode``.

Retry policy (as auth0-python and auth0-cli do, but never blind for writes):

* 429 on any method: the request was not processed, so wait until ``Retry-After`` /
  ``x-ratelimit-reset`` (bounded by ``max_rate_limit_wait``) and retry, at most
  ``max_rate_limit_retries`` times;
* 5xx, timeouts and dropped connections: retried only for GET (idempotent), with jittered
  exponential backoff; a POST/PATCH/DELETE is retried only if the connection was never made;
* 401 from the Management API (an expired or invalid token, e.g. when this machine's clock and
  the tenant's disagree): the tenant refused the token before looking at the request, so nothing
  was applied; when the client was given ``renew_token`` (the session layer's refresh), the token
  is renewed once and the request re-sent once, writes included. A second 401 is
  :class:`~auth0link.errors.LoginRequired` (exit 3) with the fix;
* 409 and other 4xx: never retried.

A users-export file is downloaded from its ``location`` (a pre-signed URL on another host) by
:meth:`Auth0Client.download`: no token, https only (loopback http excepted), streamed, never
retried (a fresh location is the caller's retry).

The transport is injectable (``transport=httpx.MockTransport(router.handler)`` in tests). With
``debug=True`` every request and response is logged on the ``auth0link.http`` logger with
tokens, secrets and codes redacted.

HTTPS is verified with the OS trust store plus an optional CA bundle (``ca_bundle=``); a
certificate that does not verify is one :class:`~auth0link.errors.TlsError` (exit 5), never
retried.

Layout: :mod:`._http` (the request loop, retries, debug log), :mod:`._tls` (the SSL context:
truststore + the CA bundle; certificate failures), :mod:`._errors` (answers to typed errors),
:mod:`._management` and :mod:`._authentication` (one method per endpoint), :mod:`._download`
(export files).
"""

from __future__ import annotations

from httpx import BaseTransport as Transport

from auth0link.client._authentication import AuthenticationAPI
from auth0link.client._download import Downloads, location_host
from auth0link.client._http import DEFAULT_TIMEOUT, IDEMPOTENT
from auth0link.client._management import ManagementAPI, api_path, encode_segment

__all__ = [
    "DEFAULT_TIMEOUT",
    "IDEMPOTENT",
    "Auth0Client",
    "Transport",
    "api_path",
    "encode_segment",
    "location_host",
]


class Auth0Client(ManagementAPI, AuthenticationAPI, Downloads):
    """A typed client for one Auth0 tenant (or any OIDC provider, for the auth endpoints)."""
