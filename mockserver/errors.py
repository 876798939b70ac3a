"""One error envelope, one place: handlers raise `ApiError(code)`; the catalog gives status, type, message."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

# Codes the server itself raises; a fixtures folder whose catalog lacks one is refused at start-up.
# (tests/mockserver/test_errors.py keeps this list in step with the code.)
SERVER_CODES = frozenset({
    "admin_unauthorized", "chat_provider_unavailable", "context_length_exceeded", "idempotency_key_in_use",
    "idempotency_request_in_progress", "insufficient_credits",
    "internal_error", "invalid_api_key", "invalid_api_version", "invalid_format", "invalid_json", "invalid_type",
    "max_tokens_exceeds_hard_cap", "method_not_allowed", "missing_field", "model_kind_mismatch", "model_not_found",
    "not_implemented", "parameter_invalid_combination", "rate_limit_exceeded", "request_too_large",
    "resource_not_found", "response_format_too_deep", "response_format_too_large", "route_not_found",
    "stream_cancelled", "tokens_rate_limit_exceeded", "unknown_api_version",
    "unsupported_content_type", "value_out_of_range",
    # generations, files, characters, webhooks
    "content_policy_violation", "invalid_reference_url", "generation_not_cancellable", "output_expired",
    "output_not_ready", "invalid_output_token", "lora_not_found", "file_not_found", "character_not_found",
    "character_not_ready", "unknown_field",
})


class ApiError(Exception):
    """An error the API serves (a catalog code), as opposed to a bug or a bad fixture."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.param = param
        self.headers = headers or {}


@dataclass(frozen=True)
class ErrorSpec:
    code: str
    status: int
    type: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)


class ErrorCatalog:
    def __init__(self, entries: dict[str, dict[str, Any]]) -> None:
        self._specs = {
            code: ErrorSpec(code, e["status"], e["type"], e["message"], dict(e.get("headers", {})))
            for code, e in entries.items()
        }

    def __contains__(self, code: str) -> bool:
        return code in self._specs

    def __iter__(self):
        return iter(self._specs.values())

    def spec(self, code: str) -> ErrorSpec:
        return self._specs.get(code) or self._specs["internal_error"]

    def render(self, error: ApiError) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers for an error; an unknown code is a bug and renders as internal_error."""
        spec = self.spec(error.code)
        body = {"error": self.error_object(error)}
        headers = {**spec.headers, **error.headers}
        return spec.status, json.dumps(body, separators=(",", ":")).encode(), headers

    def error_object(self, error: ApiError) -> dict[str, Any]:
        """The inside of the envelope, also embedded in failed resources and stream error frames."""
        spec = self.spec(error.code)
        return {"code": spec.code, "type": spec.type, "message": error.message or spec.message, "param": error.param}

    def response(self, error: ApiError) -> Response:
        status, body, headers = self.render(error)
        return Response(body, status, headers, "application/json")
