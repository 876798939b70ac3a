"""`create_app()`: the Starlette app for uvicorn, tests and any other ASGI server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from . import (  # noqa: F401  (resource modules register their handlers on import)
    account,
    catalog,
    characters,
    chat,
    embeddings,
    files,
    images,
    videos,
    webhooks,
)
from .admin import admin_response, admin_routes
from .config import MockConfig
from .errors import ApiError
from .pipeline.runner import ApiApp
from .state import MockState


def create_app(
    config: MockConfig | None = None,
    *,
    fixtures: str | Path | None = None,
    seed: int | None = None,
    admin_token: str | None = None,
) -> MockApp:
    """Build the mock. Raises `FixtureError` (file, line, field) when a fixture is broken."""
    config = config or MockConfig()
    overrides = {
        "fixtures_dir": Path(fixtures) if fixtures is not None else None,
        "seed": seed,
        "admin_token": admin_token,
    }
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    mock = MockState(config)

    api = ApiApp(mock)

    async def admin_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = "method_not_allowed" if exc.status_code == 405 else "route_not_found"
        return admin_response(mock, mock.errors.response(ApiError(code)))

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        mock.webhooks.ensure_running()  # the scheduler: due work and webhook deliveries on the clock
        yield
        await mock.webhooks.stop()

    app = Starlette(
        routes=[Mount("/__mock", routes=admin_routes(mock))],
        exception_handlers={HTTPException: admin_http_error},
        lifespan=lifespan,
    )
    # Everything that is not the admin API goes through the API pipeline, which answers unknown
    # routes and methods itself with the full set of headers.
    app.router.default = api
    app.state.mock = mock
    return MockApp(app, api)


class MockApp:
    """The mock as one ASGI app. HTTP requests outside `/__mock` go straight to the API pipeline, which
    renders its own errors, so they skip Starlette's middleware and router; the admin API, lifespan and
    websockets go through Starlette."""

    def __init__(self, admin: Starlette, api: ApiApp) -> None:
        self.admin = admin
        self.api = api
        self.state = admin.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if not (path == "/__mock" or path.startswith("/__mock/")):
                await self.api(scope, receive, send)
                return
        await self.admin(scope, receive, send)
