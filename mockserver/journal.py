"""The request journal (`GET /__mock/requests`): what each request was and how it was answered.

Entries are stored raw (timestamps as floats, headers as the ASGI list) and shaped when read, so
recording stays cheap on the hot path.
"""

from __future__ import annotations

from typing import Any

from .call import Call
from .clock import from_unix, isoformat
from .store import Store

REDACTED_HEADERS = {"x-api-key", "authorization"}


def redact_key(value: str) -> str:
    """Keys are never shown whole: the prefix and the last four characters."""
    scheme, _, token = value.partition(" ")
    if token:
        return f"{scheme} {redact_key(token)}"
    prefix = "al_live_" if value.startswith("al_live_") else value[:3]
    return f"{prefix}…{value[-4:]}" if len(value) > 12 else "…"


def record(call: Call, status: int) -> None:
    scope = call.request.scope
    entry: dict[str, Any] = {
        "request_id": call.request_id,
        "_at": call.started,
        "_done": call.mock.clock.time(),
        "method": scope["method"],
        "path": scope["path"],
        "_query": scope["query_string"],
        "operation": call.operation.operation_id if call.operation else None,
        "team_id": call.team["id"] if call.team else None,
        "version": call.version,
        "status": status,
        "_headers": scope["headers"],
    }
    if call.notes:
        entry.update(call.notes)
    call.mock.store.append("journal", entry, bounded=True)


def entries(store: Store) -> list[dict[str, Any]]:
    """The journal as the admin API shows it, newest last."""
    shaped = []
    for raw in store.read("journal"):
        entry = {k: v for k, v in raw.items() if not k.startswith("_")}
        entry["at"] = isoformat(from_unix(raw["_at"]))
        entry["duration_ms"] = round((raw["_done"] - raw["_at"]) * 1000, 3)
        entry["query"] = raw["_query"].decode("latin-1")
        entry["headers"] = {
            name.decode("latin-1"): (redact_key(v) if name.decode("latin-1") in REDACTED_HEADERS else v)
            for name, value in raw["_headers"]
            for v in (value.decode("latin-1"),)
        }
        shaped.append(entry)
    return shaped
