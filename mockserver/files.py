"""Files (B-FILE-1, B-FILE-2): reference images of a team, uploaded (multipart) or made from an https URL
(expiring 24 h after creation); usable in `reference_image_urls` of images, videos and characters."""

from __future__ import annotations

import email.parser
import email.policy
from typing import Any

from starlette.responses import Response

from .call import Call
from .errors import ApiError
from .listing import page
from .references import file_row, files_namespace, live_file, public_https_url
from .registry import operation
from .responses import json_response

MAX_FILE_BYTES = 20 * 1024 * 1024
MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
ACCEPTED = ("image/png", "image/jpeg", "image/webp")


def public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def sniff(data: bytes) -> str | None:
    """The image type the bytes say they are (what a server checks, whatever the client declared)."""
    for magic, kind in MAGIC.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _upload(call: Call) -> tuple[str | None, bytes]:
    """The one `file` part of a multipart/form-data body: its file name and bytes."""
    content_type = call.headers.get("content-type", "")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + call.raw_body)
    if not message.is_multipart():
        raise ApiError("invalid_format", "The multipart body could not be read (check the boundary).", param="file")
    found: tuple[str | None, bytes] | None = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name != "file":  # the upload schema is closed, as the JSON bodies are
            raise ApiError("unknown_field", f"The multipart body has a part {name!r}; only file is accepted.",
                           param=str(name))
        found = (part.get_filename(), part.get_payload(decode=True) or b"")
    if found is None:
        raise ApiError("missing_field", "The multipart body needs a part named file.", param="file")
    return found


@operation("createFile")
async def create_file(call: Call) -> Response:
    if isinstance(call.body, dict):  # application/json: {"url": ...} (B-FILE-2)
        url = public_https_url(call.body["url"], "url")
        row = file_row(call, "url", source_url=url)
        return json_response(public(row), 201)
    filename, data = _upload(call)
    if len(data) > MAX_FILE_BYTES:
        raise ApiError("request_too_large", f"A file may be at most {MAX_FILE_BYTES} bytes.", param="file")
    kind = sniff(data)
    if kind not in ACCEPTED:
        raise ApiError("invalid_format", "The file must be a PNG, JPEG or WebP image.", param="file")
    row = file_row(call, "upload", filename=filename, size=len(data), content_type=kind)
    return json_response(public(row), 201)


@operation("listFiles")
async def list_files(call: Call) -> Response:
    now = call.mock.clock.time()
    rows = [row for row in call.mock.store.values(files_namespace(call.team_id))
            if row["_expires"] is None or now < row["_expires"]]
    return page(call, rows, public)


def _found(call: Call) -> dict[str, Any]:
    row = live_file(call, call.path_params["id"])
    if row is None:
        raise ApiError("file_not_found", f"No file {call.path_params['id']} in this team.", param="id")
    return row


@operation("retrieveFile")
async def retrieve_file(call: Call) -> Response:
    return json_response(public(_found(call)))


@operation("deleteFile")
async def delete_file(call: Call) -> Response:
    row = _found(call)
    call.mock.store.delete(files_namespace(call.team_id), row["id"])
    return json_response({"id": row["id"], "object": "file", "deleted": True})
