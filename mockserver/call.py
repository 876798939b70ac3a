"""What one request carries through the pipeline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from .errors import ApiError

if TYPE_CHECKING:
    from .spec import Operation
    from .state import MockState


@dataclass(slots=True)
class Call:
    mock: MockState
    request: Request
    request_id: str
    started: float
    operation: Operation | None = None
    route_error: ApiError | None = None  # an unknown route or method, raised once the team is known
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names; the first of repeated ones
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    team: dict[str, Any] | None = None
    api_key: str | None = None
    version: str | None = None
    raw_body: bytes = b""
    body: Any = None
    response_headers: dict[str, str] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)  # what happened, written to the journal
    overrides: dict[str, Any] = field(default_factory=dict)  # what a scenario changes (e.g. "stream_delay")

    @property
    def team_id(self) -> str:
        assert self.team is not None, "only authenticated operations ask for the team"
        return self.team["id"]


Next = Callable[[Call], Awaitable[Response]]
Stage = Callable[[Call, Next], Awaitable[Response]]
Handler = Callable[[Call], Awaitable[Response]]


def compose(stages: list[Stage], endpoint: Next) -> Next:
    """Chain stages so each one may act before and after the ones inside it. A stage names its second
    parameter `call_next`: it is bound by a `partial`, which adds no frame of its own to each request."""
    chain = endpoint
    for stage in reversed(stages):
        chain = partial(stage, call_next=chain)
    return chain
