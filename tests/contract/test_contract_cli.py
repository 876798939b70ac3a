"""`aurous-contract`: exit codes with one-line reasons, `list`, capabilities and staging safety."""

from __future__ import annotations

import math
import re
import socket
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from conftest import DEFAULT_KEY, LiveServer
from harness_helpers import run_harness
from planted import Bend, json_answer
from starlette.testclient import TestClient

from contract.budget import Budget
from contract.cli import list_rows, main
from contract.costs import ChatModel, PriceList
from contract.exchange import Exchange
from contract.redact import Redactor
from contract.registry import all_checks
from contract.rows import NOT_OVER_HTTP, ROWS
from contract.schema_suite import BudgetGate
from mockserver import create_app

BEHAVIOURS_MD = Path("/work/shared/behaviours.md")


def _could_not_run(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("aurous-contract: could not run: "), err
    return err[0]


def test_bad_options_exit_2(capsys):
    for argv in (["--base-url", "ftp://x", "--api-key", "k"], ["--base-url", "http://127.0.0.1:1", "--api-key", "k",
                 "--version-pin", "2026/01/01"], ["--base-url", "http://127.0.0.1:1", "--api-key", "k",
                 "--max-examples", "0"], ["--base-url", "http://127.0.0.1:1", "--api-key", ""]):
        _could_not_run(capsys, ["run", *argv])


def test_unreachable_target_exit_2(capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        line = _could_not_run(capsys, ["run", "--base-url", f"http://127.0.0.1:{port}", "--api-key", DEFAULT_KEY])
    assert "unreachable" in line


@pytest.mark.live
def test_refused_key_exit_2_without_printing_it(capsys, live):
    key = "al_live_" + "ab" * 32
    line = _could_not_run(capsys, ["run", "--base-url", live.base_url, "--api-key", key])
    assert "refused" in line and key not in line
    line = _could_not_run(capsys, ["run", "--base-url", live.base_url, "--api-key", DEFAULT_KEY,
                                   "--version-pin", "2099-01-01"])
    assert "--version-pin 2099-01-01" in line


def test_list_names_every_row_with_a_check_or_a_reason():
    checked = {c.row for c in all_checks()}
    assert set(ROWS) == checked | set(NOT_OVER_HTTP)
    text = list_rows()
    for row in ROWS:
        assert re.search(rf"^{re.escape(row)}\s", text, re.M)
    assert "check: schema suite, on every response" in text


@pytest.mark.skipif(not BEHAVIOURS_MD.exists(), reason="shared/behaviours.md is not beside this checkout")
def test_rows_match_behaviours_md():
    documented = set(re.findall(r"^\| (B-[A-Z]+-\d+) \|", BEHAVIOURS_MD.read_text(), re.M))
    assert documented == set(ROWS)


def test_curl_and_reports_redact_keys():
    redact = Redactor()
    redact.add(DEFAULT_KEY)
    exchange = Exchange("POST", "http://h/v1/embeddings", "/v1/embeddings",
                        {"X-Api-Key": DEFAULT_KEY, "Authorization": f"Bearer {DEFAULT_KEY}", "Idempotency-Key": "a b"},
                        b'{"input":"it\'s"}', 400, {}, b"{}")
    curl = exchange.curl()
    assert DEFAULT_KEY not in curl and '"X-Api-Key: $AUROUS_API_KEY"' in curl and "'Idempotency-Key: a b'" in curl
    assert redact(f"key {DEFAULT_KEY} and og_secret_legacy_1") == "key $AUROUS_API_KEY and [redacted]"


class WithoutAdmin(Bend):
    """The mock as staging looks: no /__mock admin API (the test itself reaches it through `inner`)."""

    def __init__(self) -> None:
        self.inner = create_app()
        super().__init__(self.inner, self._bend)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/__mock"):
            scope = {**scope, "path": "/v1/__no_admin_here", "raw_path": b"/v1/__no_admin_here"}
        await self.app(scope, receive, send)

    async def _bend(self, scope, body, inner):  # pragma: no cover - __call__ never delegates here
        return json_answer(404, {})


@pytest.mark.live
def test_without_admin_checks_that_need_it_are_skipped_never_passed(tmp_path):
    with LiveServer(WithoutAdmin()) as server:
        code, report = run_harness(server.base_url, DEFAULT_KEY, "--suite", "all", "--quick", "--max-examples", "2",
                                   "--only", "B-RL-*", "--only", "B-AUTH-4", "--only", "B-HDR-1",
                                   "--only", "schema:listModels", "--only", "schema:deleteFile", tmp_path=tmp_path)
    assert code == 0, report
    by_check = {(r["row"], r["check"]): r for r in report["results"]}
    for row in ("B-RL-1", "B-RL-2", "B-RL-3", "B-AUTH-4"):
        [result] = [r for (r_row, _), r in by_check.items() if r_row == row]
        assert result["status"] == "skipped" and "admin API" in result["reason"]
    assert by_check[("B-HDR-1", "request_id_on_every_response")]["status"] == "passed"
    assert by_check[("schema", "deleteFile")]["status"] == "skipped"
    assert "destructive" in by_check[("schema", "deleteFile")]["reason"]
    assert report["admin_api"] is False


@pytest.mark.live
def test_budget_holds_paid_checks(live, tmp_path):
    code, report = run_harness(live.base_url, DEFAULT_KEY, "--suite", "behaviours", "--quick", "--budget-credits",
                               "0", "--only", "B-CHAT-2", "--only", "B-CHAT-4", tmp_path=tmp_path)
    assert code == 0
    statuses = {r["row"]: r for r in report["results"]}
    assert statuses["B-CHAT-2"]["status"] == "skipped" and "budget" in statuses["B-CHAT-2"]["reason"]
    assert statuses["B-CHAT-4"]["status"] == "passed"  # refusals cost nothing
    assert report["credits_spent"] == 0


@pytest.mark.live
def test_project_checks_leave_schemathesis_as_they_found_it(live, tmp_path):
    from schemathesis.checks import CHECKS

    before = set(CHECKS.get_all_names())
    code, _ = run_harness(live.base_url, DEFAULT_KEY, "--suite", "schema", "--quick", "--max-examples", "1",
                          "--only", "schema:getBalance", tmp_path=tmp_path)
    assert code == 0
    assert set(CHECKS.get_all_names()) == before and "B-HDR-1" not in before


PRICES = PriceList(
    chat={"m": ChatModel(rate_in=10, rate_out=100, context=1000, default_out=50, hard_cap=200, reasoning=True)},
    embedding={"e": (20, 60, 500)}, image_styles={"lora_a": (2, 1), "a": (2, 1)}, image_unstyled=1,
    video_styles={"lora_v": (2, {"480p": 1, "1080p": 2.5})}, video_unstyled=1, video_max_seconds=12, image_max_count=4)


def test_worst_case_of_one_request_from_a_known_price_list():
    chat = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    size = len(repr(chat).encode())
    assert PRICES.worst_case("createChatCompletion", chat) == (size * 10 + 50 * 100) / 1e6
    capped = {**chat, "max_tokens": 5000}
    assert PRICES.worst_case("createChatCompletion", capped) == (len(repr(capped).encode()) * 10 + 200 * 100) / 1e6
    reasoning = {**chat, "reasoning_effort": "high"}
    assert PRICES.worst_case("createChatCompletion", reasoning) == (len(repr(reasoning).encode()) * 10
                                                                    + 1000 * 100) / 1e6
    assert PRICES.worst_case("createChatCompletion", {**chat, "model": "unknown"}) == 0  # 404 model_not_found
    assert PRICES.worst_case("createImage", {"prompt": "x", "count": 3}) == 9  # any style: the dearest, 2 + 1
    assert PRICES.worst_case("createImage", {"prompt": "x", "lora_id": "a"}) == 2
    assert PRICES.worst_case("createImage", {"prompt": "x", "lora_id": "lora_a", "enhance_prompt": True}) == 3
    assert PRICES.worst_case("createVideo", {"prompt": "x"}) == 12 * 2 * 2.5
    assert PRICES.worst_case("createVideo", {"prompt": "x", "lora_id": "lora_v", "video_duration": 3,
                                            "video_resolution": "480p"}) == 6
    assert PRICES.worst_case("createCharacter", {"name": "x"}) == math.inf  # no published price
    assert PRICES.worst_case("createImage", []) == 0  # not an object: refused
    assert PRICES.operation_worst_case("createImage") == 12
    assert PRICES.operation_worst_case("createChatCompletion") == (1000 * 10 + 1000 * 100) / 1e6


@pytest.mark.live
def test_schema_suite_never_spends_more_than_the_budget(tmp_path):
    """Staging safety: priced from the target's own catalog, what the schema suite spends (the team's
    balance before and after, holds included) stays within --budget-credits, with positive examples of
    the paid image operation sent while the budget covered them."""
    app = WithoutAdmin()
    with TestClient(app.inner) as admin:
        team = admin.post("/__mock/teams", json={"rpm_limit": 100_000, "balance": 1000}).json()
    budget = 70  # covers 2 examples x 2 phases x the dearest image (4 x (3 + 1) credits); never a chat
    with LiveServer(app) as server, httpx.Client(base_url=server.base_url,
                                                 headers={"X-Api-Key": team["api_key"]}) as http:
        before = http.get("/v1/balance").json()["balance"]
        code, report = run_harness(server.base_url, team["api_key"], "--suite", "schema", "--quick", "--max-examples",
                                   "2", "--budget-credits", str(budget), "--only", "schema:createImage",
                                   "--only", "schema:createChatCompletion", tmp_path=tmp_path)
        spent = before - http.get("/v1/balance").json()["balance"]
    assert code == 0, report
    assert 0 < spent <= budget and spent <= report["credits_spent"] <= budget, (spent, report["credits_spent"])


def _case(operation: str, body):
    return SimpleNamespace(operation=SimpleNamespace(definition=SimpleNamespace(raw={"operationId": operation})),
                           body=body)


def test_budget_gate_sends_what_the_budget_no_longer_covers_as_a_refused_body():
    budget = Budget(10)
    gate = BudgetGate(budget, PRICES)
    first = _case("createImage", {"prompt": "x", "count": 3})  # at most 9 credits: fits
    gate.before_call(None, first, {})
    assert first.body == {"prompt": "x", "count": 3}
    gate.after_call(None, first, SimpleNamespace(status_code=201, content=b'{"cost": {"amount": 6}}'))
    assert budget.spent == 6  # what the answer says it cost
    second = _case("createImage", {"prompt": "x", "count": 2})  # at most 6: more than the 4 left
    gate.before_call(None, second, {})
    assert second.body == [] and gate.gated == 1
    refused = _case("createImage", {"prompt": "x", "lora_id": "no-such-style"})  # 404: costs nothing
    gate.before_call(None, refused, {})
    assert refused.body == {"prompt": "x", "lora_id": "no-such-style"}
    stream = _case("createChatCompletion", {"model": "m", "messages": [], "max_tokens": 10, "stream": True})
    gate.before_call(None, stream, {})
    gate.after_call(None, stream, SimpleNamespace(status_code=200, content=b"data: [DONE]\n\n"))
    assert budget.spent == 6 + PRICES.worst_case("createChatCompletion", stream.body)  # unreadable: the worst case
    assert BudgetGate(budget, None).prices is None  # no limit: nothing is gated
