"""The ``location`` of a completed users-export job: ``GET /user-exports/{job id}/{file}``.

Auth0's ``location`` is a pre-signed URL on a storage host (``user-exports.auth0.com``, with
``Expires`` and ``Signature``); the emulator serves the same kind of URL from its own address,
outside ``/api/v2``, so it needs no token and is not rate limited. The gzipped file is sent as
it is (``application/gzip``, no ``content-encoding``: a client saves or un-gzips it itself),
streamed from disk. A wrong signature, a URL past its 60 seconds or a job past its 24 hours is
a 403 with a storage service's ``AccessDenied`` XML body. Checks live in :mod:`.export_jobs`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ..web.shared import tenant_of

if TYPE_CHECKING:
    from starlette.requests import Request

ACCESS_DENIED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>"
)


async def download(request: Request) -> Response:
    """Send the export file if the URL's signature and expiry hold."""
    path = tenant_of(request).exports.download(
        request.path_params["job_id"],
        request.path_params["filename"],
        request.query_params.get("Expires", ""),
        request.query_params.get("Signature", ""),
    )
    if path is None:
        return Response(ACCESS_DENIED, status_code=403, media_type="application/xml")
    return FileResponse(path, media_type="application/gzip", filename=request.path_params["filename"])


ROUTES = [Route("/user-exports/{job_id}/{filename}", download, methods=["GET"])]
