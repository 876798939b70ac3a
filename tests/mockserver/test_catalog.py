"""Catalog routes: models in both version shapes, pricing gated by version, styles (B-CAT-*)."""

from __future__ import annotations

import pytest
from conftest import auth

CHAT_MODELS = {"aurous-grow-2.0-pro", "aurous-grow-2.0-mini", "aurous-grow-2.0-lite", "aurous-grow-2.0-code"}


def test_models_current_shape(client):  # B-CAT-1
    body = client.get("/v1/models", headers=auth()).json()
    assert body["object"] == "list"
    rows = {row["id"]: row for row in body["data"]}
    assert CHAT_MODELS | {"aurous-embed-vision-1.0"} == set(rows)
    pro = rows["aurous-grow-2.0-pro"]
    assert pro["kind"] == "chat"
    assert pro["chat_pricing"] == {"input": {"credits_per_M": 75}, "output": {"credits_per_M": 450}}
    assert pro["embedding_pricing"] is None
    assert pro["aurous_metadata"]["max_output_tokens_hard_cap"] >= pro["aurous_metadata"]["default_max_output_tokens"]
    embed = rows["aurous-embed-vision-1.0"]
    assert embed["chat_pricing"] is None
    assert set(embed["embedding_pricing"]) == {"text", "visual"}  # no video key since 2026-05-24
    assert all("credits_per_1k_input_tokens" not in row["aurous_metadata"] for row in rows.values())


def test_models_legacy_shape_before_2026_05_22(client):  # B-CAT-2, B-VER-4
    body = client.get("/v1/models", headers=auth(**{"Aurous-Version": "2026-05-21"})).json()
    rows = {row["id"]: row for row in body["data"]}
    pro = rows["aurous-grow-2.0-pro"]
    assert "chat_pricing" not in pro and "embedding_pricing" not in pro
    assert pro["aurous_metadata"]["credits_per_1k_input_tokens"] == pytest.approx(0.075)
    assert pro["aurous_metadata"]["credits_per_1k_output_tokens"] == pytest.approx(0.45)
    assert "credits_per_1k_video_tokens" not in rows["aurous-embed-vision-1.0"]["aurous_metadata"]


def test_pricing_exists_before_2026_05_22_and_is_gone_after(client):  # B-CAT-2
    old = client.get("/v1/pricing", headers=auth(**{"Aurous-Version": "2026-05-15"}))
    assert old.status_code == 200
    assert {row["model"] for row in old.json()["data"]} >= CHAT_MODELS
    for pin in ("2026-05-22", "2026-06-19"):
        gone = client.get("/v1/pricing", headers=auth(**{"Aurous-Version": pin}))
        assert gone.status_code == 404
        assert gone.json()["error"]["code"] == "route_not_found"


def test_team_pin_decides_the_shape_without_a_header(client):  # B-VER-2, B-VER-4
    from conftest import PINNED_KEY

    assert client.get("/v1/pricing", headers=auth(PINNED_KEY)).status_code == 200
    assert client.get("/v1/pricing", headers=auth()).status_code == 404


def test_retrieve_model(client):  # B-CAT-1
    response = client.get("/v1/models/aurous-grow-2.0-mini", headers=auth())
    assert response.json()["id"] == "aurous-grow-2.0-mini"


@pytest.mark.parametrize("slug", ["aurous-chat-pro", "aurous-embed-vision", "gpt-4o"])
def test_unknown_and_renamed_models_are_404(client, slug):  # B-CHAT-4, B-EMB-5
    response = client.get(f"/v1/models/{slug}", headers=auth())
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"


def test_style_catalogs(client):  # B-CAT-3
    loras = client.get("/v1/loras", headers=auth()).json()["data"]
    assert loras and all(row["id"].startswith("lora_") and row["slug"] for row in loras)
    assert len({row["slug"] for row in loras}) == len(loras)
    video = client.get("/v1/video_loras", headers=auth()).json()["data"]
    assert video and all(set(row["pricing"]["resolution_factors"]) == {"480p", "720p", "1080p"} for row in video)
