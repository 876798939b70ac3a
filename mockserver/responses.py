"""JSON responses rendered compactly, the way the API sends them."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

JSON = "application/json"


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(value, separators=(",", ":")).encode(), status, headers, JSON)


def json_bytes(body: bytes, status: int = 200) -> Response:
    return Response(body, status, None, JSON)
