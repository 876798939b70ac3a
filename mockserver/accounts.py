"""Teams and API keys (B-AUTH-1..4): key formats, revocation, and the 24 h grace after a rotation."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .clock import Clock, isoformat
from .ids import IdFactory
from .ledger import Ledger
from .store import Store

KEY_PATTERN = re.compile(r"^(al_live_[0-9a-f]{64}|og_[A-Za-z0-9_]{8,128})$")
ROTATION_GRACE_SECONDS = 24 * 3600
TEAM_DEFAULTS = {"rpm_limit": 600, "tpm_limit": 2_000_000, "balance": 1000.0, "balance_low_threshold": 10.0}


class Accounts:
    def __init__(self, store: Store, clock: Clock, ids: IdFactory, ledger: Ledger, default_version: str) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids
        self._ledger = ledger
        self._default_version = default_version

    def create_team(
        self,
        *,
        team_id: str | None = None,
        name: str | None = None,
        keys: list[dict[str, Any]] | None = None,
        **settings: Any,
    ) -> dict[str, Any]:
        """A team with its keys (one new key when none are given) and an opening `topup` of its balance."""
        team_id = team_id or self._ids.new("team")
        values = {**TEAM_DEFAULTS, **{k: v for k, v in settings.items() if v is not None}}
        team = {
            "id": team_id,
            "object": "team",
            "name": name or f"Team {team_id}",
            "default_api_version": values.get("default_api_version") or self._default_version,
            "rpm_limit": values["rpm_limit"],
            "tpm_limit": values["tpm_limit"],
            "balance_low_threshold": float(values["balance_low_threshold"]),
            "created_at": isoformat(self._clock.now()),
            "scenarios": list(values.get("scenarios") or []),
        }
        self._store.put("teams", team_id, team)
        for key in keys or [{"key": self.new_key()}]:
            self.add_key(team_id, key["key"], status=key.get("status", "active"), rotated_at=key.get("rotated_at"))
        if values["balance"]:
            self._ledger.record(team_id, "topup", float(values["balance"]), "Opening balance")
        return team

    def new_key(self) -> str:
        return "al_live_" + self._ids.hex(64)

    def add_key(self, team_id: str, key: str, *, status: str = "active", rotated_at: str | None = None) -> None:
        rotated = datetime.fromisoformat(rotated_at).timestamp() if rotated_at else None
        self._store.put("keys", key, {"key": key, "team_id": team_id, "status": status, "rotated_at": rotated})

    def team(self, team_id: str) -> dict[str, Any] | None:
        return self._store.get("teams", team_id)

    def keys_of(self, team_id: str) -> list[str]:
        return [record["key"] for record in self._store.values("keys") if record["team_id"] == team_id]

    def authenticate(self, key: str | None) -> dict[str, Any] | None:
        """The team a key belongs to, or None: missing, malformed, unknown, revoked, or past its grace."""
        if not key or not KEY_PATTERN.match(key):
            return None
        record = self._store.get("keys", key)
        if record is None or record["status"] != "active":
            return None
        rotated = record["rotated_at"]
        if rotated is not None and self._clock.time() >= rotated + ROTATION_GRACE_SECONDS:
            return None
        return self._store.get("teams", record["team_id"])

    def rotate(self, team_id: str, key: str) -> tuple[str, float]:
        """Mint a new key; the old one keeps working for the grace window. Returns (new key, old key's end)."""
        record = self._store.get("keys", key)
        if record is None or record["team_id"] != team_id or record["status"] != "active":
            raise KeyError(key)
        now = self._clock.time()
        if record["rotated_at"] is None:
            self._store.put("keys", key, {**record, "rotated_at": now})
        new_key = self.new_key()
        self.add_key(team_id, new_key)
        return new_key, (record["rotated_at"] or now) + ROTATION_GRACE_SECONDS

    def revoke(self, team_id: str, key: str) -> None:
        record = self._store.get("keys", key)
        if record is None or record["team_id"] != team_id:
            raise KeyError(key)
        self._store.put("keys", key, {**record, "status": "revoked"})
