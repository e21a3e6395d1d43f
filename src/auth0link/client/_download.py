"""Downloading a users-export file from its ``location``, a pre-signed URL on another host.

* It is not the tenant: no ``Authorization`` header is sent (the URL's signature is the
  credential), and the URL is never shown (its query is redacted in the ``--debug`` log; errors
  name the host only).
* https only, except plain http to a loopback address (the emulator serves its own locations).
* Streamed in chunks into a binary file, never held whole in memory (the ``--debug`` log does
  not read the body either).
* One attempt per URL: a location expires within a minute, so this never retries it; the caller
  asks the job for a fresh location instead (:mod:`auth0link.infra.export_job`).
* Sent through this client's own ``httpx.Client``: the same transport, proxies and TLS
  verification as every other request (a custom CA configured for the client applies here too).
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Final
from urllib.parse import urlsplit

import httpx

from auth0link._domain import is_loopback_host
from auth0link.client._http import STREAMED, HttpCore
from auth0link.errors import Fix, NetworkError, Refused

if TYPE_CHECKING:
    from collections.abc import Callable

HTTP_OK: Final = 200
_RETRY_HINT: Final = "ask the job for a fresh location and try again"


def location_host(url: str) -> str:
    """The host of a download URL that may be fetched; :class:`Refused` for any other URL.

    https to any host, or plain http to a loopback address (``127.0.0.1``, ``::1``,
    ``localhost``): users' data never crosses a network unencrypted.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host and (parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(host))):
        return host
    raise Refused(
        f"The export's location is not an https URL ({parts.scheme or 'no scheme'}://{host or '?'}); "
        "the users were not downloaded.",
        hint=Fix.run("suggest", "--from-export", "FILE", lead="download the export yourself and run: "),
    )


class Downloads(HttpCore):
    """Streaming a file from a URL outside the tenant (module docstring)."""

    def download(
        self, url: str, out: IO[bytes], *, on_bytes: Callable[[int, int | None], None] | None = None
    ) -> int:
        """Stream ``url`` into ``out``; the number of bytes written.

        ``on_bytes(received, total)`` follows the bytes as they arrive (``total`` from
        ``Content-Length``, or None). Any failure (refused, dropped, truncated) is a
        :class:`~auth0link.errors.NetworkError` naming the host; nothing is retried here.
        """
        host = location_host(url)
        request = self._http.build_request("GET", url, headers={"Accept": "*/*"}, extensions={STREAMED: True})
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise self._network_error(exc, "GET", host, sent=True) from None
        try:
            return self._stream(response, host, out, on_bytes)
        except httpx.TransportError as exc:
            raise self._network_error(exc, "GET", host, sent=True) from None
        except httpx.DecodingError:
            raise NetworkError(
                f"The download from {host} arrived garbled (its content encoding did not decode).",
                hint=_RETRY_HINT,
            ) from None
        finally:
            response.close()

    @staticmethod
    def _stream(
        response: httpx.Response,
        host: str,
        out: IO[bytes],
        on_bytes: Callable[[int, int | None], None] | None,
    ) -> int:
        if response.status_code != HTTP_OK:
            raise NetworkError(
                f"The download from {host} was refused (HTTP {response.status_code}).", hint=_RETRY_HINT
            )
        length = response.headers.get("content-length", "")
        total = int(length) if length.isdigit() else None
        written = 0
        for chunk in response.iter_bytes():
            out.write(chunk)
            written += len(chunk)
            if on_bytes is not None:
                on_bytes(response.num_bytes_downloaded or written, total)
        # bytes on the wire (before a Content-Encoding is undone), as Content-Length counts them
        received = response.num_bytes_downloaded or written
        if total is not None and received < total:
            raise NetworkError(
                f"The download from {host} was cut short ({received} of {total} bytes).", hint=_RETRY_HINT
            )
        return written
