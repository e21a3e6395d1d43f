"""Logging in: OIDC discovery and ID token validation, the browser (PKCE) and device flows.

* :mod:`.oidc` — discovery (cached), the JWKS (cached, refetched on an unknown key id) and ID
  token validation;
* :mod:`.pkce` — authorization code + PKCE with a loopback redirect (:mod:`._loopback` is the
  one-shot listener on ``127.0.0.1``);
* :mod:`.device` — the device authorization grant (RFC 8628);
* :mod:`.browser` — whether a browser can open here, and opening it.

Nothing here stores anything or prints: the use cases save a session only after a flow returned
validated tokens, and the CLI shows what the flows hand to their callbacks.
"""
