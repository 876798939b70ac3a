"""The pipeline's documented answers over real HTTP (uvicorn on 127.0.0.1), each response checked
against the contract by the live client."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from conftest import DEFAULT_KEY, LEGACY_KEY, PINNED_KEY, REVOKED_KEY

K = {"X-Api-Key": DEFAULT_KEY}
JSON = {"Content-Type": "application/json"}

CASES = [
    # (name, method, path, headers, body, status, code)
    ("bearer key", "GET", "/v1/team", {"Authorization": f"Bearer {DEFAULT_KEY}"}, None, 200, None),  # B-AUTH-1
    ("legacy key", "GET", "/v1/team", {"X-Api-Key": LEGACY_KEY}, None, 200, None),  # B-AUTH-2
    ("no key", "GET", "/v1/models", {}, None, 401, "invalid_api_key"),  # B-AUTH-3
    ("revoked key", "GET", "/v1/models", {"X-Api-Key": REVOKED_KEY}, None, 401, "invalid_api_key"),
    ("malformed pin", "GET", "/v1/models", {**K, "Aurous-Version": "15/05/2026"}, None, 400,
     "invalid_api_version"),  # B-VER-1
    ("future pin", "GET", "/v1/models", {**K, "Aurous-Version": "2030-01-01"}, None, 400, "unknown_api_version"),
    ("old pin sees pricing", "GET", "/v1/pricing", {"X-Api-Key": PINNED_KEY}, None, 200, None),  # B-CAT-2
    ("new pin: pricing gone", "GET", "/v1/pricing", K, None, 404, "route_not_found"),
    ("renamed model", "GET", "/v1/models/aurous-chat-pro", K, None, 404, "model_not_found"),  # B-CHAT-4
    ("unknown route", "GET", "/v1/nothing-here", K, None, 404, "route_not_found"),  # B-ERR-1
    ("wrong method", "DELETE", "/v1/team", K, None, 405, "method_not_allowed"),
    ("malformed JSON", "POST", "/v1/images", {**K, **JSON}, b'{"prompt": ', 400, "invalid_json"),  # B-ERR-3
    ("wrong content type", "POST", "/v1/images", {**K, "Content-Type": "text/plain"}, b"a cat", 400,
     "unsupported_content_type"),
    ("unknown field", "POST", "/v1/images", {**K, **JSON}, json.dumps({"prompt": "a", "x": 1}).encode(), 400,
     "unknown_field"),
    ("out of range", "POST", "/v1/images", {**K, **JSON}, json.dumps({"prompt": "a", "count": 9}).encode(), 400,
     "value_out_of_range"),
    ("wrong type", "POST", "/v1/chat/completions", {**K, **JSON},
     json.dumps({"model": 7, "messages": [{"role": "user", "content": "hi"}]}).encode(), 400, "invalid_type"),
    ("missing field", "POST", "/v1/chat/completions", {**K, **JSON}, json.dumps({"model": "m"}).encode(), 400,
     "missing_field"),
    ("oversize body", "POST", "/v1/images", {**K, **JSON}, b'{"prompt": "' + b"x" * (25 * 1024 * 1024) + b'"}',
     413, "request_too_large"),
    ("bad query", "GET", "/v1/usage/events?limit=0", K, None, 400, "value_out_of_range"),
    ("missing output token", "GET", "/v1/images/img_01ARZ3NDEKTSV4RRFFQ69G5FAV/output/0", {}, None, 403,
     "invalid_output_token"),
]


@pytest.mark.parametrize(("name", "method", "path", "headers", "body", "status", "code"), CASES,
                         ids=[c[0] for c in CASES])
def test_documented_answers_over_http(live, name, method, path, headers, body, status, code):
    with live.client() as client:
        response = client.request(method, path, headers=headers, content=body)
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["error"]["code"] == code
    assert response.headers["Aurous-Request-Id"].startswith("req_")


def test_rate_limit_and_journal_over_http(live_reset):  # B-RL-1, B-RL-3, B-HDR-3
    with live_reset.client() as client:
        # Move the mock's clock to 5 s into a minute, so both requests fall in one rate-limit window.
        now = datetime.fromisoformat(client.get("/__mock/clock").json()["now"])
        client.post("/__mock/clock/advance", json={"seconds": 60 - now.second + 5})
        key = client.post("/__mock/teams", json={"rpm_limit": 1}).json()["api_key"]
        first = client.get("/v1/balance", headers={"X-Api-Key": key})
        second = client.get("/v1/balance", headers={"X-Api-Key": key})
        other = client.get("/v1/balance", headers=K)
        assert (first.status_code, second.status_code, other.status_code) == (200, 429, 200)
        assert second.json()["error"]["code"] == "rate_limit_exceeded"
        assert 1 <= int(second.headers["Retry-After"]) <= 60
        journal = client.get("/__mock/requests").json()["data"]
        assert [e["status"] for e in journal[-3:]] == [200, 429, 200]
        assert key not in json.dumps(journal)
