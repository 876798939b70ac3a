"""Date-pinned versions (B-VER-1, B-VER-2, B-VER-4): which pin applies, and which dated gates it passes."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .errors import ApiError

# The dated gates the server consults; versions.yaml must define each one.
KNOWN_GATES = frozenset({
    "image_size_presets_v2", "image_custom_dimensions_v2", "models_pricing_shape", "pricing_endpoint_removed",
})
_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class Versions:
    def __init__(self, table: dict[str, Any]) -> None:
        self.system_default: str = table["system_default"]
        self.published: list[str] = sorted(entry["date"] for entry in table["published"])
        self.newest: str = self.published[-1]
        self._gates: dict[str, str] = {name: gate["since"] for name, gate in table["gates"].items()}
        self._checked: dict[str, str | tuple[str, str | None]] = {}

    def parse_pin(self, value: str, param: str = "Aurous-Version") -> str:
        """The pin a request header names, or an ApiError: malformed, impossible or future dates."""
        verdict = self._checked.get(value)
        if verdict is None:
            verdict = self._check(value)
            if len(self._checked) < 4096:
                self._checked[value] = verdict
        if verdict == "ok":
            return value
        # A fresh exception each time: re-raising one cached instance would keep growing its traceback.
        code, message = verdict
        raise ApiError(code, message.replace("Aurous-Version", param) if message else None, param=param)

    def _check(self, value: str) -> str | tuple[str, str | None]:
        if not _PATTERN.match(value):
            return ("invalid_api_version", None)
        try:
            date.fromisoformat(value)
        except ValueError:
            return ("invalid_api_version", f"Aurous-Version {value} is not a calendar date.")
        if value > self.newest:
            return ("unknown_api_version",
                    f"Aurous-Version {value} is after the newest published version {self.newest}.")
        return "ok"

    def gate(self, name: str, pin: str) -> bool:
        """Whether a request pinned to `pin` gets the dated change `name`."""
        return pin >= self._gates[name]

    def is_valid(self, value: str | None) -> bool:
        if value is None:
            return False
        try:
            self.parse_pin(value)
        except ApiError:
            return False
        return True
