"""What the target lets the harness do. A target that answers `GET /__mock/health` is an aurous-mock:
the run gets its own isolated team and can move the clock. Any other target gets neither, and the
checks that need them are skipped with that reason, never passed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from .errors import CannotRun, Skipped

NO_ADMIN = "needs the mock's admin API (/__mock), which this target does not answer"


@dataclass
class Admin:
    """The mock's admin API: isolated teams, the clock, the request journal."""

    base_url: str
    token: str | None = None
    teams: list[dict[str, Any]] = field(default_factory=list)

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = httpx.request(method, f"{self.base_url}/__mock{path}", json=body, headers=headers, timeout=30)
        except httpx.HTTPError as exc:
            raise CannotRun(f"admin API {method} {path} failed: {exc}") from exc
        if response.status_code >= 400:
            raise CannotRun(f"admin API {method} {path} answered {response.status_code}: {response.text[:200]}")
        return response.json()

    def create_team(self, **settings: Any) -> dict[str, Any]:
        """An isolated team (`rpm_limit`, `tpm_limit`, `balance`, ...): its own buckets and ledger."""
        team = self._call("POST", "/teams", settings)
        self.teams.append(team)
        return team

    def advance(self, seconds: float) -> None:
        self._call("POST", "/clock/advance", {"seconds": seconds})

    def now(self) -> str:
        return self._call("GET", "/clock")["now"]

    def rotate_key(self, team_id: str, api_key: str) -> str:
        return self._call("POST", f"/teams/{team_id}/rotate_key", {"api_key": api_key})["api_key"]

    def revoke_key(self, team_id: str, api_key: str) -> None:
        self._call("POST", f"/teams/{team_id}/revoke_key", {"api_key": api_key})

    def journal(self, team_id: str | None = None) -> list[dict[str, Any]]:
        body = self._call("GET", "/requests" + (f"?team_id={team_id}" if team_id else ""))
        return body.get("data", body) if isinstance(body, dict) else body


@dataclass
class Capabilities:
    admin: Admin | None
    served_operations: frozenset[str] | None  # what an aurous-mock says it serves; None: unknown
    reason: str = NO_ADMIN

    def require_admin(self, why: str = "") -> Admin:
        if self.admin is None:
            raise Skipped(self.reason + (f" ({why})" if why else ""))
        return self.admin


def detect(base_url: str, admin_token: str | None = None) -> Capabilities:
    """Probe `/__mock/health`; anything but `200 {"status": "ok"}` means a target without admin."""
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    try:
        response = httpx.get(f"{base_url.rstrip('/')}/__mock/health", headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        raise CannotRun(f"the target {base_url} is unreachable: {type(exc).__name__}: {exc}") from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 401 and isinstance(body, dict) and "error" in body:
        return Capabilities(admin=None, served_operations=None,
                            reason="the mock's admin API refused the token (pass --admin-token)")
    if response.status_code != 200 or not isinstance(body, dict) or body.get("status") != "ok":
        return Capabilities(admin=None, served_operations=None)
    served = body.get("served_operations")
    return Capabilities(Admin(base_url.rstrip("/"), admin_token), frozenset(served) if served else None)
