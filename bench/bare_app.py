"""The benchmark's reference point: Starlette under the same uvicorn settings as the mock, with nothing
of the mock in between, so the mock's own cost per request shows as a ratio against it.

Run as `python -m uvicorn bench.bare_app:app --host 127.0.0.1 --port N --log-level warning --no-access-log`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def bare(request: Request) -> JSONResponse:
    """A constant JSON list, the smallest thing a JSON API can answer."""
    return JSONResponse({"object": "list", "data": []})


app = Starlette(routes=[Route("/bare", bare, methods=["GET"])])
