"""The request journal (`GET /__mock/requests`): what each request was and how it was answered."""

from __future__ import annotations

from typing import Any

from .clock import isoformat
from .pipeline.call import Call

REDACTED_HEADERS = {"x-api-key", "authorization"}


def redact_key(value: str) -> str:
    """Keys are never shown whole: the prefix and the last four characters."""
    scheme, _, token = value.partition(" ")
    if token:
        return f"{scheme} {redact_key(token)}"
    prefix = "al_live_" if value.startswith("al_live_") else value[:3]
    return f"{prefix}…{value[-4:]}" if len(value) > 12 else "…"


def record(call: Call, status: int) -> None:
    mock = call.mock
    request = call.request
    headers = {
        name: (redact_key(value) if name in REDACTED_HEADERS else value)
        for name, value in request.headers.items()
    }
    entry: dict[str, Any] = {
        "request_id": call.request_id,
        "at": isoformat(mock.clock.now()),
        "method": request.method,
        "path": request.url.path,
        "query": request.url.query,
        "operation": call.operation.operation_id if call.operation else None,
        "team_id": call.team["id"] if call.team else None,
        "version": call.version,
        "status": status,
        "headers": headers,
        "duration_ms": round((mock.clock.time() - call.started) * 1000, 3),
    }
    if call.notes:
        entry.update(call.notes)
    mock.store.append("journal", entry)
