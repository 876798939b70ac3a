"""A state machine that creates, polls and cancels generations while time moves (B-IMG-2, B-IMG-9, B-ACCT-2,
B-ACCT-3): statuses never go back, terminal states stay, and the balance always equals the opening balance
minus what succeeded and what is still held, which is also the signed sum of the ledger."""

from __future__ import annotations

import math

from conftest import CheckedClient, auth
from freezegun import freeze_time
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from mockserver import create_app

ORDER = {"pending": 0, "processing": 1, "succeeded": 2, "failed": 2, "cancelled": 2}
TERMINAL = {"succeeded", "failed", "cancelled"}
SIGNS = {"hold": -1, "charge": -1, "release": 1, "refund": 1, "topup": 1}
OPENING = 500


class Generations(RuleBasedStateMachine):
    generations = Bundle("generations")

    def __init__(self) -> None:
        super().__init__()
        self.frozen = freeze_time("2026-07-01T00:00:00Z")
        self.clock = self.frozen.start()
        self.client = CheckedClient(create_app())
        self.client.__enter__()
        self.key = self.client.post("/__mock/teams", json={"balance": OPENING}).json()["api_key"]
        self.seen: dict[str, tuple[str, str, float]] = {}  # id -> (kind, last status, cost)

    def teardown(self) -> None:
        self.client.__exit__(None, None, None)
        self.frozen.stop()

    @rule(target=generations, kind=st.sampled_from(["image", "video"]), count=st.integers(1, 4),
          failing=st.booleans())
    def create(self, kind: str, count: int, failing: bool) -> str:
        prompt = "a harbour" + (" aurous-mock-fail" if failing else "")
        body = {"prompt": prompt, "count": count} if kind == "image" else {"prompt": prompt,
                                                                           "video_duration": count + 2}
        response = self.client.post(f"/v1/{kind}s", json=body, headers=auth(self.key))
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["status"] == "pending"
        self.seen[created["id"]] = (kind, "pending", created["cost"]["amount"])
        return created["id"]

    @rule(generation=generations)
    def poll(self, generation: str) -> None:
        kind, before, cost = self.seen[generation]
        now = self.client.get(f"/v1/{kind}s/{generation}", headers=auth(self.key)).json()
        assert ORDER[now["status"]] >= ORDER[before], (before, now["status"])
        if before in TERMINAL:
            assert now["status"] == before
        if now["status"] == "failed":
            assert generation and now["error_message"]
        self.seen[generation] = (kind, now["status"], cost)

    @rule(generation=generations)
    def cancel(self, generation: str) -> None:
        kind, before, cost = self.seen[generation]
        current = self.client.get(f"/v1/{kind}s/{generation}", headers=auth(self.key)).json()["status"]
        response = self.client.post(f"/v1/{kind}s/{generation}/cancel", headers=auth(self.key))
        if current in TERMINAL:
            assert response.status_code == 409
            assert response.json()["error"]["code"] == "generation_not_cancellable"
            self.seen[generation] = (kind, current, cost)
        else:
            assert response.status_code == 200 and response.json()["status"] == "cancelled"
            self.seen[generation] = (kind, "cancelled", cost)

    @rule(seconds=st.floats(0.5, 40))
    def advance(self, seconds: float) -> None:
        self.clock.tick(seconds)

    @invariant()
    def billing_is_consistent(self) -> None:
        statuses = {}
        for generation, (kind, _, cost) in self.seen.items():
            statuses[generation] = (self.client.get(f"/v1/{kind}s/{generation}", headers=auth(self.key))
                                    .json()["status"], cost)
        charged = math.fsum(cost for status, cost in statuses.values() if status == "succeeded")
        held = math.fsum(cost for status, cost in statuses.values() if status not in TERMINAL)
        balance = self.client.get("/v1/balance", headers=auth(self.key)).json()
        assert math.isclose(balance["balance"], OPENING - charged - held, abs_tol=1e-6)
        assert math.isclose(balance["held"], held, abs_tol=1e-6)
        lines = self.client.get("/v1/usage/events?limit=100", headers=auth(self.key)).json()["data"]
        assert math.isclose(math.fsum(SIGNS[line["type"]] * line["amount"] for line in lines), balance["balance"],
                            abs_tol=1e-6)


Generations.TestCase.settings = settings(max_examples=12, stateful_step_count=12, deadline=None)
TestGenerations = Generations.TestCase
