"""How generations behave, from `fixtures/generations.yaml` (optional) and a request's overrides:
timings on the clock, the outcome, moderation, and how many rows are kept.

Overrides are read from `call.overrides`, where the scenario store's `generation` action puts them:
- `generation_timing`: `{"to_processing_s": s, "to_terminal_s": s}`, seconds after creation on the clock;
- `generation_outcome`: `{"status": "succeeded" | "failed", "error_message": "..."}`.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from .errors import ApiError

DEFAULT_TIMING = {
    "image": {"processing_after": [1, 3], "finish_after": [10, 30]},
    "video": {"processing_after": [2, 5], "finish_after": [20, 30]},
    "character": {"processing_after": [0, 0], "finish_after": [10, 30]},
}
DEFAULT_BLOCKED = ("nsfw", "gore", "aurous-mock-moderate")
DEFAULT_FAILURE_MARKER = "aurous-mock-fail"
DEFAULT_ERROR_MESSAGE = "Provider request failed"
DEFAULT_MAX_ROWS = 20_000
OUTCOMES = ("succeeded", "failed")


@dataclass(frozen=True)
class Plan:
    """When a generation starts processing and finishes (seconds after creation), and how it ends."""

    processing_after: float
    finish_after: float
    outcome: str
    error_message: str | None


class GenerationRules:
    def __init__(self, table: dict[str, Any], seed: int) -> None:
        timing = table.get("timing") or {}
        self._timing = {kind: {**DEFAULT_TIMING[kind], **(timing.get(kind) or {})} for kind in DEFAULT_TIMING}
        blocked = (table.get("moderation") or {}).get("blocked_terms", DEFAULT_BLOCKED)
        self._blocked = re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in blocked) + r")(?![\w-])",
                                   re.IGNORECASE) if blocked else None
        failure = table.get("failure") or {}
        self._marker = failure.get("marker", DEFAULT_FAILURE_MARKER).lower()
        self._error_message = failure.get("error_message", DEFAULT_ERROR_MESSAGE)
        self.max_rows: int = (table.get("retention") or {}).get("max_rows", DEFAULT_MAX_ROWS)
        self._seed = seed

    def moderate(self, *texts: str | None) -> None:
        """B-IMG-10: a blocked prompt is refused at create; nothing is created or billed."""
        if self._blocked is None:
            return
        for text in texts:
            if text and self._blocked.search(text):
                raise ApiError("content_policy_violation", "The prompt was rejected by content moderation.",
                               param="prompt")

    def plan(self, kind: str, generation_id: str, prompt: str, overrides: dict[str, Any],
             error_message: str | None = None) -> Plan:
        """Deterministic per server seed and generation id; overrides win over the fixtures.
        `error_message` is the kind's own message for a failure (the fixtures' one otherwise)."""
        rng = random.Random(f"{self._seed}:{generation_id}")
        spans = self._timing[kind]
        processing = rng.uniform(*spans["processing_after"])
        finish = rng.uniform(*spans["finish_after"])
        timing = overrides.get("generation_timing") or {}
        processing = float(timing.get("to_processing_s", processing))
        finish = max(float(timing.get("to_terminal_s", finish)), processing)
        failed = self._marker in prompt.lower()
        steered = overrides.get("generation_outcome") or {}
        outcome = steered.get("status", "failed" if failed else "succeeded")
        if outcome not in OUTCOMES:
            raise ValueError(f"generation_outcome status must be one of {OUTCOMES}, not {outcome!r}")
        message = str(steered.get("error_message") or error_message or self._error_message) \
            if outcome == "failed" else None
        # Whole milliseconds, so duration_ms is exact.
        return Plan(round(processing, 3), round(finish, 3), outcome, message)
