"""Embeddings (B-EMB-1..5, B-HDR-4): one deterministic unit vector per input, its credits, the
estimate, and every documented refusal."""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

import pytest
from conftest import auth

MODEL = "aurous-embed-vision-1.0"
IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/sunset.jpg"}}


def embed(client, key: str | None = None, path: str = "/v1/embeddings", **body: Any):
    body.setdefault("model", MODEL)
    return client.post(path, headers=auth(key) if key else auth(), json=body)


def vector(client, **body: Any) -> list[float]:
    response = embed(client, **body)
    assert response.status_code == 200, response.text
    return response.json()["data"][0]["embedding"]


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_one_unit_vector_of_the_models_dimension(client):  # B-EMB-1
    body = embed(client, input="A golden sunset over mountains").json()
    assert body["object"] == "list" and body["model"] == MODEL
    (item,) = body["data"]
    assert (item["object"], item["index"]) == ("embedding", 0)
    assert len(item["embedding"]) == 1024
    assert math.isclose(math.fsum(v * v for v in item["embedding"]), 1.0, rel_tol=1e-9)


def test_the_same_input_gives_the_same_vector_in_another_server(client, app):  # B-EMB-1
    from starlette.testclient import TestClient

    from mockserver import create_app

    first = vector(client, input="A golden sunset over mountains")
    with TestClient(create_app()) as other:
        assert vector(other, input="A golden sunset over mountains") == first
    assert vector(client, input="A silver moon over the sea") != first


def test_inputs_that_share_words_are_closer(client):
    sunset = vector(client, input="a golden sunset over the mountains")
    similar = vector(client, input="golden sunset in the mountains tonight")
    unrelated = vector(client, input="quarterly revenue report for shareholders")
    assert cosine(sunset, similar) > cosine(sunset, unrelated) + 0.2


def test_text_and_image_parts_make_one_combined_vector(client):  # B-EMB-1
    text = [{"type": "text", "text": "A golden sunset"}]
    body = embed(client, input=text + [IMAGE]).json()
    assert len(body["data"]) == 1
    usage = body["usage"]
    assert usage["tokens"]["visual"] == 85 and usage["tokens"]["text"] == 3
    assert usage["prompt_tokens"] == usage["total_tokens"] == 88
    assert body["data"][0]["embedding"] != vector(client, input=text)
    shorthand = [{"type": "image_url", "image_url": "https://example.com/sunset.jpg"}]
    assert vector(client, input=text + shorthand) == body["data"][0]["embedding"]


def test_base64_is_the_same_vector_as_little_endian_float32(client):
    floats = vector(client, input="hello")
    encoded = vector(client, input="hello", encoding_format="base64")
    raw = base64.b64decode(encoded)
    decoded = struct.unpack(f"<{len(raw) // 4}f", raw)
    assert decoded == pytest.approx(floats, abs=1e-7)


def test_credits_follow_the_rates_and_land_in_the_ledger(client, new_team):  # B-EMB-1, B-ACCT-2
    team = new_team(balance=10)
    body = embed(client, key=team["api_key"], input=[{"type": "text", "text": "two words"}, IMAGE]).json()
    usage = body["usage"]
    text, visual = round(usage["tokens"]["text"] * 20 / 1e6, 6), round(85 * 60 / 1e6, 6)
    assert usage["breakdown"] == {"input": {"text": text, "visual": visual}, "model": MODEL, "pricing_version": 7}
    assert usage["credits_charged"] == pytest.approx(text + visual, abs=1e-9)
    balance = client.get("/v1/balance", headers=auth(team["api_key"])).json()["balance"]
    assert balance == pytest.approx(10 - usage["credits_charged"], abs=1e-6)
    totals = client.get("/v1/usage", headers=auth(team["api_key"])).json()
    assert totals["by_kind"]["embedding"] == usage["credits_charged"]


def test_the_estimate_has_the_same_numbers_no_vector_and_bills_nothing(client, new_team):  # B-EMB-4
    team = new_team(balance=10)
    parts = [{"type": "text", "text": "two words"}, IMAGE]
    estimate = embed(client, key=team["api_key"], path="/v1/embeddings/estimate", input=parts)
    assert estimate.status_code == 200
    body = estimate.json()
    assert body["data"] == [{"object": "embedding", "index": 0}]
    assert body["usage"]["tokens"]["video"] == 0 and body["usage"]["breakdown"]["input"]["video"] == 0
    assert "X-RateLimit-TPM-Limit" not in estimate.headers  # B-HDR-4: create calls only
    assert client.get("/v1/balance", headers=auth(team["api_key"])).json()["balance"] == 10
    created = embed(client, key=team["api_key"], input=parts)
    assert created.headers["X-RateLimit-TPM-Remaining"] == str(2_000_000 - body["usage"]["total_tokens"])
    usage = created.json()["usage"]
    assert usage["credits_charged"] == body["usage"]["credits_charged"]
    assert usage["tokens"] == {"text": body["usage"]["tokens"]["text"], "visual": body["usage"]["tokens"]["visual"]}


REFUSALS = [
    # (body, status, code, param)
    ({"input": ["a", "b", "c"]}, 400, "embeddings_batch_not_supported", "input[2]"),  # B-EMB-2
    ({"input": [[1, 2, 3]]}, 400, "embeddings_batch_not_supported", "input[0]"),
    ({"input": [{"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}}]}, 400,
     "embeddings_video_unsupported", "input[0]"),  # B-EMB-3
    ({"input": [{"type": "text", "text": "x"}, {"type": "video_url", "video_url": "https://example.com/v.mp4"}]},
     400, "embeddings_video_unsupported", "input[1]"),
    ({"model": "aurous-embed-vision", "input": "x"}, 404, "model_not_found", "model"),  # B-EMB-5
    ({"model": "aurous-grow-2.0-pro", "input": "x"}, 400, "model_kind_mismatch", "model"),
    ({"input": ""}, 400, "invalid_length", "input"),
    ({"input": []}, 400, "invalid_length", "input"),
    ({"input": 42}, 400, "invalid_type", "input"),
    ({}, 400, "missing_field", "input"),
    ({"input": "x", "dimensions": 512}, 400, "invalid_format", "dimensions"),
    ({"input": "x", "encoding_format": "hex"}, 400, "invalid_format", "encoding_format"),
    ({"input": [{"type": "image_url", "image_url": {"url": "ftp://example.com/a.png"}}]}, 400, "invalid_format",
     "input[0].image_url.url"),
    ({"input": [{"type": "text"}]}, 400, "missing_field", "input[0].text"),
    ({"input": "word " * 130_000}, 400, "context_length_exceeded", "input"),
]


@pytest.mark.parametrize("path", ["/v1/embeddings", "/v1/embeddings/estimate"])
@pytest.mark.parametrize(("body", "status", "code", "param"), REFUSALS, ids=[f"{r[2]}:{r[3]}" for r in REFUSALS])
def test_every_documented_refusal(client, mock, path, body, status, code, param):
    before = mock.ledger.balance("team_default")
    response = client.post(path, headers=auth(), json={"model": MODEL, **body})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["param"]) == (code, param)
    assert mock.ledger.balance("team_default") == before


def test_a_team_without_enough_credit_is_refused(client, new_team):  # B-ACCT-3
    team = new_team(balance=0.00001)
    response = embed(client, key=team["api_key"], input="a sentence that costs more than the balance")
    assert response.status_code == 402 and response.json()["error"]["code"] == "insufficient_credits"
