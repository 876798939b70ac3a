"""Reference images shared by images, videos and characters (B-IMG-3, B-FILE-1, B-FILE-2): a team's
`file_<ulid>`, or an https URL to a public host, which is materialised as a file that expires in 24 h.

The mock fetches nothing; it only refuses URLs that a server-side fetch must never reach (private,
loopback, link-local, reserved and cloud metadata addresses), judged from the URL itself.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from .call import Call
from .clock import from_unix, isoformat
from .errors import ApiError

URL_FILE_TTL = 24 * 3600.0
BLOCKED_HOSTS = frozenset({"localhost", "metadata", "metadata.google.internal", "metadata.goog", "instance-data"})
BLOCKED_SUFFIXES = (".localhost", ".internal", ".local", ".localdomain")


def files_namespace(team_id: str) -> str:
    return f"files:{team_id}"


def characters_namespace(team_id: str) -> str:
    return f"characters:{team_id}"


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP a host names literally, including the integer and hex forms that resolvers accept."""
    candidate = host.strip("[]")
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        pass
    try:
        if candidate.isdigit():
            return ipaddress.ip_address(int(candidate))
        if candidate.lower().startswith("0x"):
            return ipaddress.ip_address(int(candidate, 16))
    except ValueError:
        return None
    return None


def public_https_url(url: str, param: str) -> str:
    """Refuse a reference URL that is not https to a public host (400 invalid_reference_url)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:  # an unbalanced "[" or "]" (B-ERR-3: a 400, never a 500)
        parts, host = None, ""
    reason = None
    if parts is None or parts.scheme != "https" or not host:
        reason = "must be an https:// URL with a host"
    elif host in BLOCKED_HOSTS or host.endswith(BLOCKED_SUFFIXES) or "." not in host and _address(host) is None:
        reason = "names a local or metadata host"
    else:
        address = _address(host)
        if address is not None and not address.is_global:
            reason = "names a private, loopback, link-local or reserved address"
    if reason is not None:
        raise ApiError("invalid_reference_url", f"{param} {reason}: {url[:200]}", param=param)
    return url


def file_row(call: Call, source: str, **fields: Any) -> dict[str, Any]:
    """A new file of the caller's team: uploads do not expire; URL files expire 24 h after creation."""
    return store_file(call.mock, call.team_id, call.mock.ids.new("file"), source, call.mock.clock.time(), **fields)


def store_file(mock: Any, team_id: str, file_id: str, source: str, now: float, *, filename: str | None = None,
               size: int | None = None, content_type: str | None = None,
               source_url: str | None = None) -> dict[str, Any]:
    row = {
        "id": file_id, "object": "file", "source": source, "filename": filename, "bytes": size,
        "content_type": content_type, "source_url": source_url, "created_at": isoformat(from_unix(now)),
        "expires_at": isoformat(from_unix(now + URL_FILE_TTL)) if source == "url" else None,
        "_expires": now + URL_FILE_TTL if source == "url" else None,
    }
    namespace = files_namespace(team_id)
    mock.store.put(namespace, row["id"], row)
    mock.store.trim(namespace, mock.generation_rules.max_rows)
    return row


def live_file(call: Call, file_id: str) -> dict[str, Any] | None:
    """The team's file, unless it is unknown, another team's or expired."""
    row = call.mock.store.get(files_namespace(call.team_id), file_id)
    if row is None or (row["_expires"] is not None and call.mock.clock.time() >= row["_expires"]):
        return None
    return row


def resolve(call: Call, references: list[str] | None, param: str = "reference_image_urls",
            materialise: bool = True) -> list[str] | None:
    """Check every reference (unknown or another team's file: 404 file_not_found; a bad URL: 400) and,
    when `materialise`, store each URL as a 24 h file of the team (B-FILE-2). Returns the snapshot shown
    on the generation: the references as given, or None when there are none."""
    if not references:
        return None
    for index, reference in enumerate(references):
        where = f"{param}[{index}]"
        if reference.startswith("file_"):
            if live_file(call, reference) is None:
                raise ApiError("file_not_found", f"{where}: no file {reference} in this team.", param=where)
        else:
            public_https_url(reference, where)
    if materialise:
        for reference in references:
            if not reference.startswith("file_"):
                file_row(call, "url", source_url=reference)
    return list(references)


def character_status(row: dict[str, Any], now: float) -> str:
    """`synthesizing` until the synthesis's finish, then its outcome (`ready` or `failed`); derived, like a
    generation's status, from timestamps (B-CHAR-1)."""
    finish = row["finish_at"]
    if finish is None or now >= finish:
        return row["outcome"]
    return "synthesizing"


def ready_character(call: Call, character_id: str) -> dict[str, Any]:
    """A character of the team that is `ready`, whose references anchor an image (B-IMG-6)."""
    row = call.mock.store.get(characters_namespace(call.team_id), character_id)
    if row is None:
        raise ApiError("character_not_found", f"No character {character_id} in this team.", param="character_id")
    status = character_status(row, call.mock.clock.time())
    if status != "ready":
        raise ApiError("character_not_ready", f"The character {character_id} is {status}, not ready.",
                       param="character_id")
    return row
