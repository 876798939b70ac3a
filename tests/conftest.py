"""Shared fixtures: an in-process client and a live uvicorn server, both checking every response
against the contract (tests/spec_check.py)."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, settings
from spec_check import CHECKER
from starlette.testclient import TestClient

from mockserver import create_app

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
settings.load_profile("ci")

DEFAULT_KEY = "al_live_5f1c1e0b7a9d4c2e8b3f6a0d9e7c4b1a2f8e6d4c0b9a7e5d3c1f0a8b6e4d2c9a"
PINNED_KEY = "al_live_7e3a9b1c5d2f4e6a8b0c1d3e5f7a9b2c4d6e8f0a1b3c5d7e9f2a4b6c8d0e1f3a"
LEGACY_KEY = "og_legacy_default_team_key"
REVOKED_KEY = "al_live_" + "0" * 64


def check_httpx_response(response: httpx.Response) -> None:
    response.read()
    CHECKER.check(response.request.method, response.request.url.path, response.status_code,
                  dict(response.headers), response.content)


class CheckedClient(TestClient):
    """A TestClient that checks every response against the contract."""

    def request(self, *args: Any, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        response = super().request(*args, **kwargs)
        check_httpx_response(response)
        return response


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def app():
    return create_app()


@pytest.fixture
def client(app) -> Iterator[CheckedClient]:
    with CheckedClient(app) as test_client:
        yield test_client


@pytest.fixture
def mock(app):
    return app.state.mock


def auth(key: str = DEFAULT_KEY, **extra: str) -> dict[str, str]:
    return {"X-Api-Key": key, **extra}


@pytest.fixture
def new_team(client):
    """An isolated team through the admin API: returns its creation response body."""

    def make(**settings: Any) -> dict[str, Any]:
        response = client.post("/__mock/teams", json=settings)
        assert response.status_code == 201, response.text
        return response.json()

    return make


class _Server(uvicorn.Server):
    """uvicorn that tells a waiting test when it is listening, so no test has to sleep."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        self.ready.set()


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = _Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        if not self.server.ready.wait(timeout=15):
            raise RuntimeError("the live server did not start within 15 s")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client whose every response is checked against the contract."""
        return httpx.Client(base_url=self.base_url, event_hooks={"response": [check_httpx_response]}, **kwargs)


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with LiveServer(create_app()) as server:
        yield server


@pytest.fixture
def live_reset(live) -> LiveServer:
    """The module's live server, reset to its fixtures before the test."""
    with httpx.Client(base_url=live.base_url) as admin:
        assert admin.post("/__mock/reset").status_code == 200
    return live


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The contract harness's mutation score (tests/contract), when its planted-bug tests ran."""
    helpers = sys.modules.get("harness_helpers")
    for line in helpers.score_lines() if helpers else []:
        terminalreporter.write_line(line)
