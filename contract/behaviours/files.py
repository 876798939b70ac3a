"""Files (B-FILE-1, B-FILE-2). The harness deletes only the files it uploaded."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from ..context import Context
from ..registry import check
from .common import UNKNOWN_SUFFIX, id_pattern

FILE_ID = id_pattern("file")
# The smallest valid PNG: one transparent pixel.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
BOUNDARY = "aurous-contract-boundary"


def upload(ctx: Context, target=None):  # type: ignore[no-untyped-def]
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"pixel.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + PNG + f"\r\n--{BOUNDARY}--\r\n".encode()
    return (target or ctx.target).request("POST", "/v1/files", content=body,
                                          headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})


@check("B-FILE-1")
def uploaded_file_usable_as_reference(ctx: Context) -> None:
    ex = upload(ctx)
    ctx.expect_status(ex, 201)
    file_id = ex.json().get("id")
    ctx.expect(FILE_ID.match(str(file_id)), "id file_<ulid>", file_id, ex)
    try:
        body = {"prompt": "A portrait", "reference_image_urls": [file_id]}
        ctx.expect_status(ctx.call("POST", "/v1/images/estimate", json_body=body), 200)
        unknown = ctx.call("POST", "/v1/images/estimate", json_body={**body, "reference_image_urls": [
            f"file_{UNKNOWN_SUFFIX}"]})
        ctx.expect(400 <= unknown.status < 500, "an unknown file id refused (4xx)", unknown.summary(), unknown)
        if ctx.caps.admin is not None:
            other = ctx.team()
            theirs = other.request("POST", "/v1/images/estimate", json_body=body)
            ctx.expect(400 <= theirs.status < 500, "another team's file id refused (4xx)", theirs.summary(), theirs)
    finally:
        ctx.call("DELETE", f"/v1/files/{file_id}")  # only what this run uploaded


@check("B-FILE-2")
def url_reference_is_a_24h_file(ctx: Context) -> None:
    ex = ctx.call("POST", "/v1/files", json_body={"url": "https://example.com/reference.jpg"})
    ctx.expect_status(ex, 201)
    body = ex.json()
    try:
        created, expires = (datetime.fromisoformat(str(body.get(k)).replace("Z", "+00:00"))
                            for k in ("created_at", "expires_at"))
        ctx.expect(body.get("source") == "url" and abs(expires - created - timedelta(hours=24)) <= timedelta(seconds=1),
                   "source url and expires_at = created_at + 24 h",
                   {k: body.get(k) for k in ("source", "created_at", "expires_at")}, ex)
    except ValueError:
        ctx.fail("created_at and expires_at as date-times", str(body)[:200], ex)
    finally:
        if body.get("id"):
            ctx.call("DELETE", f"/v1/files/{body['id']}")
