"""Image generations in process (B-IMG-1..11, B-ACCT-2/3, B-VER-3): the lifecycle on a frozen clock, billing
lines that sum to the balance, cancel, outputs and their expiry edges, and every documented bad input."""

from __future__ import annotations

import math
import re

import pytest
from conftest import DEFAULT_KEY, auth
from freezegun import freeze_time

from mockserver.synth.media import png_size

ID = re.compile(r"^img_[0-9A-HJKMNP-TV-Z]{26}$")
FIELDS = {"id", "status", "prompt", "created_at", "media_type", "negative_prompt", "output_urls", "output_video_url",
          "reference_image_urls", "error_message", "duration_ms", "cost", "width", "height", "image_count",
          "size_preset", "inference_type", "seed", "video_duration", "video_resolution", "video_ratio",
          "video_camera_fixed", "character_id", "bundle_name", "loras", "aurous_version", "creation_request_id",
          "completed_at"}
ORDER = {"pending": 0, "processing": 1, "succeeded": 2, "failed": 2, "cancelled": 2}
SIGNS = {"hold": -1, "charge": -1, "release": 1, "refund": 1, "topup": 1}


def create(client, key=DEFAULT_KEY, expect=201, **body):
    body.setdefault("prompt", "A lighthouse at dawn")
    response = client.post("/v1/images", json=body, headers=auth(key))
    assert response.status_code == expect, response.text
    return response.json()


def get(client, generation_id, key=DEFAULT_KEY):
    response = client.get(f"/v1/images/{generation_id}", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()


def ledger_sum(client, key):
    lines = client.get("/v1/usage/events?limit=100", headers=auth(key)).json()["data"]
    return math.fsum(SIGNS[line["type"]] * line["amount"] for line in lines), lines


def local(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_create_answers_pending_at_once_with_every_documented_field(client):  # B-IMG-1, B-VER-3
    response = client.post("/v1/images", json={"prompt": "A lighthouse at dawn"}, headers=auth())
    body = response.json()
    assert response.status_code == 201 and ID.match(body["id"])
    assert set(body) == FIELDS
    assert body["status"] == "pending" and body["completed_at"] is None and body["duration_ms"] is None
    assert body["creation_request_id"] == response.headers["Aurous-Request-Id"]
    assert body["aurous_version"] == "2026-06-19" and body["media_type"] == "image"
    assert body["cost"] == {"amount": 1, "currency": "credit", "breakdown": {"base": 1}}


def test_lifecycle_follows_freezegun_and_never_goes_back(client):  # B-IMG-2
    with freeze_time("2026-07-01T00:00:00Z") as frozen:
        created = create(client)
        seen = []
        for _ in range(40):
            seen.append(get(client, created["id"])["status"])
            frozen.tick(1)
        final = get(client, created["id"])
    assert seen[0] == "pending" and "processing" in seen and seen[-1] == "succeeded"
    assert all(ORDER[a] <= ORDER[b] for a, b in zip(seen, seen[1:], strict=False))
    assert final["completed_at"] >= final["created_at"] and 10_000 <= final["duration_ms"] <= 30_000
    assert len(final["output_urls"]) == 1 and final["error_message"] is None


def test_the_version_is_frozen_at_creation(client):  # B-VER-3
    created = client.post("/v1/images", json={"prompt": "a cat", "size": "square"},
                          headers=auth(**{"Aurous-Version": "2026-05-10"})).json()
    client.post("/__mock/clock/advance", json={"seconds": 60})
    later = get(client, created["id"])
    assert later["aurous_version"] == "2026-05-10" and later["size_preset"] == "square"
    assert later["completed_at"] is not None


def test_success_holds_then_releases_and_charges_and_the_lines_sum_to_the_balance(client, new_team):  # B-ACCT-2/3
    team = new_team(balance=50)
    created = create(client, team["api_key"], count=3, enhance_prompt=True, lora_id="studio-portrait")
    assert created["cost"] == {"amount": 9, "currency": "credit", "breakdown": {"base": 6, "enhance": 3}}
    assert client.get("/v1/balance", headers=auth(team["api_key"])).json()["held"] == 9
    client.post("/__mock/clock/advance", json={"seconds": 31})
    assert get(client, created["id"], team["api_key"])["status"] == "succeeded"
    total, lines = ledger_sum(client, team["api_key"])
    mine = [line for line in lines if line["generation_id"] == created["id"]]
    assert sorted(line["type"] for line in mine) == ["charge", "hold", "release"]
    hold = next(line for line in mine if line["type"] == "hold")
    assert all(line["hold_id"] == hold["id"] for line in mine if line["type"] != "hold")
    balance = client.get("/v1/balance", headers=auth(team["api_key"])).json()
    assert balance["balance"] == total == 41 and balance["held"] == 0
    usage = client.get("/v1/usage", headers=auth(team["api_key"])).json()
    assert usage["by_kind"]["image"] == 9


def test_a_failed_generation_releases_its_hold_and_is_not_charged(client, new_team):  # B-ACCT-3, B-IMG-2
    team = new_team(balance=20)
    created = create(client, team["api_key"], prompt="a bridge aurous-mock-fail")
    client.post("/__mock/clock/advance", json={"seconds": 31})
    failed = get(client, created["id"], team["api_key"])
    assert failed["status"] == "failed" and failed["error_message"] == "Provider request failed"
    assert failed["output_urls"] is None and failed["duration_ms"] > 0
    total, lines = ledger_sum(client, team["api_key"])
    assert sorted(line["type"] for line in lines if line["generation_id"]) == ["hold", "release"]
    assert total == 20 == client.get("/v1/balance", headers=auth(team["api_key"])).json()["balance"]


def test_cancel_releases_the_hold_and_a_terminal_generation_cannot_be_cancelled(client, new_team):  # B-IMG-9
    team = new_team(balance=10)
    key = team["api_key"]
    created = create(client, key)
    cancelled = client.post(f"/v1/images/{created['id']}/cancel", headers=auth(key))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["completed_at"] is not None and cancelled.json()["output_urls"] is None
    again = client.post(f"/v1/images/{created['id']}/cancel", headers=auth(key))
    assert again.status_code == 409 and again.json()["error"]["code"] == "generation_not_cancellable"
    client.post("/__mock/clock/advance", json={"seconds": 60})
    assert get(client, created["id"], key)["status"] == "cancelled"  # terminal stays terminal
    total, lines = ledger_sum(client, key)
    assert [line["type"] for line in lines if line["generation_id"]] == ["release", "hold"]
    assert total == 10 == client.get("/v1/balance", headers=auth(key)).json()["balance"]
    done = create(client, key)
    client.post("/__mock/clock/advance", json={"seconds": 31})
    refused = client.post(f"/v1/images/{done['id']}/cancel", headers=auth(key))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "generation_not_cancellable"


def test_too_little_credit_is_refused_before_anything_is_created(client, new_team):  # B-ACCT-3
    team = new_team(balance=1)
    refused = client.post("/v1/images", json={"prompt": "a cat", "count": 2}, headers=auth(team["api_key"]))
    assert refused.status_code == 402 and refused.json()["error"]["code"] == "insufficient_credits"
    _, lines = ledger_sum(client, team["api_key"])
    assert [line["type"] for line in lines] == ["topup"]
    estimate = client.post("/v1/images/estimate", json={"prompt": "a cat", "count": 2}, headers=auth(team["api_key"]))
    assert estimate.json() == {"estimated_cost": {"amount": 2, "currency": "credit", "breakdown": {"base": 2}},
                               "sufficient_balance": False}


def test_the_estimate_prices_like_the_create_and_creates_nothing(client, new_team):  # B-IMG-7
    team = new_team(balance=100)
    body = {"prompt": "film noir street", "count": 2, "enhance_prompt": True,
            "reference_image_urls": ["https://example.com/ref.jpg"]}
    estimate = client.post("/v1/images/estimate", json=body, headers=auth(team["api_key"])).json()
    assert estimate["sufficient_balance"] is True
    assert estimate["estimated_cost"] == {"amount": 8, "currency": "credit", "breakdown": {"base": 6, "enhance": 2}}
    assert client.get("/v1/files", headers=auth(team["api_key"])).json()["data"] == []  # nothing materialised
    created = create(client, team["api_key"], **body)
    assert created["cost"] == estimate["estimated_cost"]  # references are free
    assert created["bundle_name"] == "Cinematic Trio" and created["loras"] is None  # the dispatcher's bundle


def test_moderation_rejects_at_create_and_leaves_no_row(client, new_team):  # B-IMG-10
    team = new_team()
    refused = client.post("/v1/images", json={"prompt": "something NSFW please"}, headers=auth(team["api_key"]))
    assert refused.status_code == 400
    assert refused.json()["error"] == {"code": "content_policy_violation", "type": "invalid_request",
                                       "message": "The prompt was rejected by content moderation.", "param": "prompt"}
    _, lines = ledger_sum(client, team["api_key"])
    assert [line["type"] for line in lines] == ["topup"]


@pytest.mark.parametrize(("pin", "body", "width", "height", "preset"), [
    ("2026-06-19", {"size": "2k_16_9"}, 2048, 1152, "2k_16_9"),
    ("2026-06-19", {"size": "4k_2_3"}, 2720, 4096, "4k_2_3"),
    ("2026-06-19", {"width": 1050, "height": 1535}, 1024, 1504, None),  # snapped to 32, echoed after the snap
    ("2026-06-19", {}, 1024, 1024, None),
    ("2026-05-10", {"size": "hd_landscape"}, 1536, 1024, "hd_landscape"),
    ("2026-05-10", {"width": 300, "height": 700}, 300, 700, None),
    ("2026-05-10", {"size": "portrait", "width": 300, "height": 700}, 512, 768, "portrait"),  # size overrides
])
def test_sizes_follow_the_pin(client, pin, body, width, height, preset):  # B-IMG-4, B-VER-4
    created = client.post("/v1/images", json={"prompt": "a cat", **body}, headers=auth(**{"Aurous-Version": pin}))
    assert created.status_code == 201, created.text
    shown = created.json()
    assert (shown["width"], shown["height"], shown["size_preset"]) == (width, height, preset)


BAD_INPUTS = [  # (pin, body, status, code, param) -- B-IMG-3, B-IMG-4, B-IMG-6, B-ERR-3
    ("2026-06-19", {"size": "hd_square"}, 400, "invalid_format", "size"),
    ("2026-05-10", {"size": "2k_1_1"}, 400, "invalid_format", "size"),
    ("2026-06-19", {"size": "2k_1_1", "width": 1024, "height": 1024}, 400, "parameter_invalid_combination", "size"),
    ("2026-06-19", {"width": 1024}, 400, "missing_field", "height"),
    ("2026-06-19", {"height": 2048}, 400, "missing_field", "width"),
    ("2026-06-19", {"width": 1000, "height": 1024}, 400, "value_out_of_range", "width"),
    ("2026-06-19", {"width": 5000, "height": 1024}, 400, "value_out_of_range", "width"),
    ("2026-05-10", {"width": 200}, 400, "value_out_of_range", "width"),
    ("2026-06-19", {"prompt": "   "}, 400, "invalid_format", "prompt"),
    ("2026-06-19", {"prompt": ""}, 400, "invalid_length", "prompt"),
    ("2026-06-19", {"prompt": "x" * 4001}, 400, "invalid_length", "prompt"),
    ("2026-06-19", {"negative_prompt": ""}, 400, "invalid_length", "negative_prompt"),
    ("2026-06-19", {"count": 5}, 400, "value_out_of_range", "count"),
    ("2026-06-19", {"steps": 0}, 400, "value_out_of_range", "steps"),
    ("2026-06-19", {"steps": 101}, 400, "value_out_of_range", "steps"),
    ("2026-06-19", {"guidance_scale": 0.05}, 400, "value_out_of_range", "guidance_scale"),
    ("2026-06-19", {"guidance_scale": 31}, 400, "value_out_of_range", "guidance_scale"),
    ("2026-06-19", {"reference_image_urls": ["https://example.com/a.jpg"] * 7}, 400, "invalid_length",
     "reference_image_urls"),
    ("2026-06-19", {"reference_image_urls": ["http://example.com/a.jpg"]}, 400, "invalid_reference_url",
     "reference_image_urls[0]"),
    ("2026-06-19", {"reference_image_urls": ["https://example.com/" + "a" * 2048]}, 400, "invalid_reference_url",
     "reference_image_urls[0]"),
    ("2026-06-19", {"lora_id": "no-such-style"}, 404, "lora_not_found", "lora_id"),
    ("2026-06-19", {"reference_image_urls": ["file_01JVQ8ZK3M5N7P9R1S3T5V7W9X"]}, 404, "file_not_found",
     "reference_image_urls[0]"),
    ("2026-06-19", {"character_id": "char_01JVQ8ZK3M5N7P9R1S3T5V7W9X"}, 404, "character_not_found", "character_id"),
    ("2026-06-19", {"webhook_url": "not a url"}, 400, "invalid_webhook_url", "webhook_url"),
    ("2026-06-19", {"webhook_url": "ftp://example.com/hook"}, 400, "invalid_webhook_url", "webhook_url"),
    ("2026-06-19", {"seed": -1}, 400, "value_out_of_range", "seed"),
]


@pytest.mark.parametrize(("pin", "body", "status", "code", "param"), BAD_INPUTS)
def test_every_documented_bad_input_has_its_code(client, pin, body, status, code, param):
    for path in ("/v1/images", "/v1/images/estimate"):
        response = client.post(path, json={"prompt": "a cat", **body}, headers=auth(**{"Aurous-Version": pin}))
        error = response.json()["error"]
        assert (response.status_code, error["code"], error["param"]) == (status, code, param), response.text
    assert client.get("/v1/usage/events?type=hold", headers=auth()).json()["data"] == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "10.1.2.3", "192.168.0.10", "172.16.5.4", "169.254.169.254",
                                  "metadata.google.internal", "[::1]", "[fd00::1]", "2130706433", "0x7f000001",
                                  "printer.local", "intranet", "0.0.0.0"])
def test_reference_urls_to_private_hosts_are_refused(client, host):  # B-IMG-3
    response = client.post("/v1/images", json={"prompt": "a cat", "reference_image_urls": [f"https://{host}/a.png"]},
                           headers=auth())
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_reference_url"


@pytest.mark.parametrize("url", ["https://a]b/x.png", "https://[::1/x.png", "https://y\u0107]g"])
def test_reference_urls_that_do_not_parse_are_refused_not_crashed(client, url):  # B-IMG-3, B-ERR-3
    """The contract harness's fuzzing found these answered 500 (urlsplit raises on unbalanced brackets)."""
    for path, body in (("/v1/images", {"prompt": "a cat", "reference_image_urls": [url]}),
                       ("/v1/characters", {"name": "Ada", "prompt": "a cat", "generate": True,
                                           "reference_image_urls": [url]}),
                       ("/v1/files", {"url": url})):
        response = client.post(path, json=body, headers=auth())
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_reference_url", path


@pytest.mark.parametrize("style", ["lora_01JV2K3M4N5P6Q7R8S9T0VWXYZ", "sunset-style",
                                   "3f2b8c1e-6d4a-4b7e-9f10-2a3b4c5d6e7f"])
def test_a_style_is_found_by_id_slug_or_legacy_uuid(client, style):  # B-IMG-6
    created = create(client, lora_id=style)
    assert created["loras"] == [{"id": "lora_01JV2K3M4N5P6Q7R8S9T0VWXYZ", "name": "Sunset Style"}]
    assert created["bundle_name"] is None


def test_the_dispatcher_picks_a_style_from_the_prompt_or_none(client):  # B-IMG-6
    assert create(client, prompt="an ink sketch of a fox")["loras"][0]["name"] == "Ink Sketch"
    plain = create(client, prompt="a quiet harbour")
    assert plain["loras"] is None and plain["bundle_name"] is None and plain["inference_type"] == "t2i"


def test_omitted_parameters_resolve_to_the_style_then_the_platform_defaults(client):  # B-IMG-5
    create(client, prompt="a studio portrait", lora_id="studio-portrait", steps=40,
           reference_image_urls=["https://example.com/face.jpg"])
    create(client, prompt="a quiet harbour", reference_image_urls=["https://example.com/a.jpg"])
    create(client, prompt="a quiet harbour", guidance_scale=2.5)
    journal = [e for e in client.get("/__mock/requests").json()["data"] if e["operation"] == "createImage"]
    assert journal[0]["resolved_parameters"] == {"steps": 40, "guidance_scale": 5.0, "cfg_rescale": 0.5,
                                                 "denoise_strength": 0.55}
    assert journal[1]["resolved_parameters"] == {"steps": 11, "guidance_scale": 4.3, "cfg_rescale": 0.7,
                                                 "denoise_strength": 0.6}
    assert journal[2]["resolved_parameters"] == {"steps": 11, "guidance_scale": 2.5, "cfg_rescale": 0.7}


def test_references_make_it_i2i_and_urls_become_24h_files(client):  # B-IMG-6, B-FILE-2
    uploaded = client.post("/v1/files", files={"file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, "image/png")},
                           headers=auth()).json()
    refs = [uploaded["id"], "https://example.com/ref2.jpg"]
    created = create(client, reference_image_urls=refs)
    assert created["inference_type"] == "i2i" and created["reference_image_urls"] == refs
    files = client.get("/v1/files", headers=auth()).json()["data"]
    url_file = next(f for f in files if f["source"] == "url")
    assert url_file["source_url"] == "https://example.com/ref2.jpg" and url_file["expires_at"] is not None


def test_another_teams_generation_and_file_are_not_found(client, new_team):  # B-FILE-1
    other = new_team()
    created = create(client)
    for method, path in (("GET", f"/v1/images/{created['id']}"), ("POST", f"/v1/images/{created['id']}/cancel"),
                         ("GET", "/v1/images/img_01JVQ8ZK3M5N7P9R1S3T5V7W9X"), ("GET", "/v1/images/nonsense")):
        response = client.request(method, path, headers=auth(other["api_key"]))
        assert response.status_code == 404 and response.json()["error"]["code"] == "resource_not_found"
    uploaded = client.post("/v1/files", json={"url": "https://example.com/x.png"}, headers=auth()).json()
    refused = client.post("/v1/images", json={"prompt": "a cat", "reference_image_urls": [uploaded["id"]]},
                          headers=auth(other["api_key"]))
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "file_not_found"


def test_outputs_are_real_pngs_of_the_generation_size_and_need_the_token(client):  # B-IMG-8, B-AUTH-5
    with freeze_time("2026-07-01T00:00:00Z") as frozen:
        created = create(client, width=1088, height=1536, count=2)
        early = client.get(f"/v1/images/{created['id']}/output/0?token=whatever")
        assert early.status_code == 403
        frozen.tick(31)
        done = get(client, created["id"])
        first, second = (local(url) for url in done["output_urls"])
        token = first.split("token=")[1]
        image = client.get(first)
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        assert png_size(image.content) == (1088, 1536)
        assert client.get(first).content == image.content  # deterministic
        assert client.get(second).content != image.content
        assert client.get(first.replace(token, "0" * len(token))).json()["error"]["code"] == "invalid_output_token"
        past = client.get(f"/v1/images/{created['id']}/output/2?token={token}")
        assert past.status_code == 404
        assert "x-ratelimit-limit" not in image.headers  # anonymous: no team bucket


def test_an_output_is_409_until_ready_and_404_when_failed(client):  # B-IMG-8
    with freeze_time("2026-07-01T00:00:00Z") as frozen:
        pending = create(client)
        failing = create(client, prompt="a cat aurous-mock-fail")
        token_of = {}
        for generation in (pending, failing):
            row = client.app.state.mock.store.get("generations", generation["id"])
            token_of[generation["id"]] = row["token"]
        early = client.get(f"/v1/images/{pending['id']}/output/0?token={token_of[pending['id']]}")
        assert early.status_code == 409 and early.json()["error"]["code"] == "output_not_ready"
        frozen.tick(31)
        failed = client.get(f"/v1/images/{failing['id']}/output/0?token={token_of[failing['id']]}")
        assert failed.status_code == 404


def test_image_outputs_expire_seven_days_after_completion(client):  # B-IMG-8
    with freeze_time("2026-07-01T00:00:00Z") as frozen:
        created = create(client)
        frozen.tick(31)
        done = get(client, created["id"])
        url = local(done["output_urls"][0])
        completed = client.app.state.mock.store.get("generations", created["id"])["finish_at"]
        frozen.move_to("2026-07-01T00:00:00Z")
        frozen.tick(completed - frozen().timestamp() + 7 * 24 * 3600 - 1)
        assert client.get(url).status_code == 200
        frozen.tick(2)
        gone = client.get(url)
        assert gone.status_code == 410 and gone.json()["error"]["code"] == "output_expired"
        assert get(client, created["id"])["status"] == "succeeded"  # the row is still there

