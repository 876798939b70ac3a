"""Handlers by operationId: a resource module registers what is particular to its resource."""

from __future__ import annotations

from collections.abc import Callable

from .call import Handler

HANDLERS: dict[str, Handler] = {}


def operation(operation_id: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if operation_id in HANDLERS:
            raise ValueError(f"two handlers for {operation_id}")
        HANDLERS[operation_id] = handler
        return handler

    return register
