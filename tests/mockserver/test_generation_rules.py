"""`fixtures/generations.yaml` and a request's overrides steer generations (B-IMG-2, B-IMG-10); a bad file is
refused with file, line and field; retention keeps memory bounded without leaving a hold open."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CheckedClient, auth
from freezegun import freeze_time

from mockserver import create_app
from mockserver.errors import ApiError
from mockserver.fixtures import load_fixtures
from mockserver.generation_rules import GenerationRules
from mockserver.paths import data_dir
from mockserver.yamlfile import FixtureError


@pytest.fixture
def fixtures_copy(tmp_path: Path) -> Path:
    target = tmp_path / "fixtures"
    shutil.copytree(data_dir("fixtures"), target)
    return target


def test_timings_are_deterministic_per_seed_and_overrides_win():
    rules = GenerationRules({}, seed=7)
    first = rules.plan("image", "img_A", "a cat", {})
    assert first == rules.plan("image", "img_A", "a cat", {})
    assert 1 <= first.processing_after <= 3 and 10 <= first.finish_after <= 30 and first.outcome == "succeeded"
    assert first != GenerationRules({}, seed=8).plan("image", "img_A", "a cat", {})
    steered = rules.plan("video", "vid_A", "waves", {
        "generation_timing": {"to_processing_s": 0, "to_terminal_s": 2},
        "generation_outcome": {"status": "failed", "error_message": "timeout"}})
    assert (steered.processing_after, steered.finish_after, steered.outcome, steered.error_message) == (
        0, 2, "failed", "timeout")
    assert rules.plan("image", "img_B", "a cat aurous-mock-fail", {}).outcome == "failed"
    assert rules.plan("character", "char_A", "a cat", {"generation_outcome": {"status": "failed"}},
                      "provider_error").error_message == "provider_error"  # the kind's own message


def test_moderation_matches_whole_words_only():
    rules = GenerationRules({"moderation": {"blocked_terms": ["gore"]}}, seed=0)
    rules.moderate("Gorey street, a gore-tex jacket")  # neither is the word "gore"
    with pytest.raises(ApiError):
        rules.moderate("a speech about GORE.")
    rules.moderate("nsfw")  # the list replaces the default one


def test_fixture_timings_and_retention_apply(fixtures_copy):
    (fixtures_copy / "generations.yaml").write_text(
        "timing:\n  image: {processing_after: [0, 0], finish_after: [5, 5]}\nretention:\n  max_rows: 2\n")
    with freeze_time("2026-07-01T00:00:00Z") as frozen, CheckedClient(create_app(fixtures=fixtures_copy)) as client:
        key = client.post("/__mock/teams", json={"balance": 10}).json()["api_key"]
        ids = [client.post("/v1/images", json={"prompt": "a cat"}, headers=auth(key)).json()["id"] for _ in range(3)]
        assert client.get(f"/v1/images/{ids[0]}", headers=auth(key)).status_code == 404  # forgotten: 2 rows kept
        assert client.get(f"/v1/images/{ids[2]}", headers=auth(key)).json()["status"] == "processing"
        frozen.tick(5)
        assert client.get(f"/v1/images/{ids[2]}", headers=auth(key)).json()["status"] == "succeeded"
        balance = client.get("/v1/balance", headers=auth(key)).json()
        assert balance["held"] == 0 and balance["balance"] == 8  # the forgotten one was released, not charged


def test_chat_completions_keep_the_newest_max_rows_trimmed_in_batches(fixtures_copy):
    (fixtures_copy / "generations.yaml").write_text("retention:\n  max_rows: 4\n")  # trimmed past 4 + 1
    chat = {"model": "aurous-grow-2.0-mini", "messages": [{"role": "user", "content": "Hi"}]}
    with CheckedClient(create_app(fixtures=fixtures_copy)) as client:
        key = client.post("/__mock/teams", json={"balance": 10}).json()["api_key"]
        ids = [client.post("/v1/chat/completions", json=chat, headers=auth(key)).json()["id"] for _ in range(7)]
        found = [client.get(f"/v1/chat/completions/{i}", headers=auth(key)).status_code for i in ids]
    assert found == [404, 404, 200, 200, 200, 200, 200]  # the 6th trimmed to 4; the 7th is within the slack


def test_a_bad_generations_file_names_file_line_and_field(fixtures_copy):
    path = fixtures_copy / "generations.yaml"
    path.write_text("timing:\n  image: {processing_after: [0, 1], finish_after: [30, 10]}\n")
    with pytest.raises(FixtureError, match=r"generations\.yaml:2: timing\.image\.finish_after: 30 is more than 10"):
        load_fixtures(fixtures_copy)
    path.write_text("retention:\n  max_rows: lots\n")
    with pytest.raises(FixtureError, match=r"generations\.yaml:2: retention\.max_rows: 'lots' is not of type"):
        load_fixtures(fixtures_copy)


def test_a_fixtures_folder_without_the_file_gets_the_defaults(fixtures_copy):
    (fixtures_copy / "generations.yaml").unlink()
    assert load_fixtures(fixtures_copy).generations == {}
    with CheckedClient(create_app(fixtures=fixtures_copy)) as client:
        refused = client.post("/v1/images", json={"prompt": "nsfw"}, headers=auth())
        assert refused.json()["error"]["code"] == "content_policy_violation"
