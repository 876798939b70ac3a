"""Keys never leave the harness: every text it prints or writes passes through one Redactor."""

from __future__ import annotations

import re

KEY_PATTERN = re.compile(r"\b(?:al_live_[0-9a-fA-F]{8,}|og_[A-Za-z0-9_]{4,}|whsec_[A-Za-z0-9+/=]{8,})")
PLACEHOLDER = "$AUROUS_API_KEY"


class Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str | None) -> None:
        if secret:
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, PLACEHOLDER)
        return KEY_PATTERN.sub("[redacted]", text)
