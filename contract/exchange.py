"""One request and its response, as a finding shows it: the operation, and a curl command that replays it."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

SECRET_HEADERS = {"x-api-key", "authorization"}


@dataclass
class Exchange:
    method: str
    url: str
    path: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    _json: Any = field(default=None, repr=False)

    @property
    def operation(self) -> str:
        return f"{self.method} {self.path}"

    def json(self) -> Any:
        if self._json is None:
            try:
                self._json = json.loads(self.body)
            except ValueError:
                self._json = {}
        return self._json

    @property
    def authenticated(self) -> bool:
        """Whether the request carried a key (only then has the answer a team and its buckets)."""
        return any(name.lower() in SECRET_HEADERS for name in self.request_headers)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def error_code(self) -> str | None:
        body = self.json()
        error = body.get("error") if isinstance(body, dict) else None
        return error.get("code") if isinstance(error, dict) else None

    def summary(self) -> str:
        code = self.error_code
        return f"{self.status}" + (f" {code}" if code else "")

    def curl(self) -> str:
        """A shell command that sends the same request; keys become $AUROUS_API_KEY."""
        parts = ["curl", "-i", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.request_headers.items():
            if name.lower() in SECRET_HEADERS:
                value = "Bearer $AUROUS_API_KEY" if name.lower() == "authorization" else "$AUROUS_API_KEY"
                parts += ["-H", f'"{name}: {value}"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.request_body:
            parts += ["--data-raw", shlex.quote(self.request_body.decode(errors="replace"))]
        return " ".join(parts)
