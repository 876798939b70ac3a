"""Videos (B-VID-1..3), files (B-FILE-1, B-FILE-2) and characters (B-CHAR-1..3) in process."""

from __future__ import annotations

import re

import pytest
from conftest import auth
from freezegun import freeze_time

from mockserver.synth.media import mp4_duration

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(client, key=None, content=PNG, name="a.png", media_type="image/png"):
    return client.post("/v1/files", files={"file": (name, content, media_type)}, headers=auth(*(key and [key] or [])))


# --- videos ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "amount", "breakdown"), [
    ({}, 5, {"base_per_second": 1, "resolution_factor": 1, "duration_s": 5}),
    ({"lora_id": "smooth-motion", "video_resolution": "1080p", "video_duration": 10}, 50,
     {"base_per_second": 2, "resolution_factor": 2.5, "duration_s": 10}),
    ({"lora_id": "lora_01JV2K4A5B6C7D8E9F0G1H2J3M", "video_resolution": "720p", "video_duration": 4}, 9,
     {"base_per_second": 1.5, "resolution_factor": 1.5, "duration_s": 4}),
])
def test_video_cost_is_base_times_resolution_times_seconds(client, body, amount, breakdown):  # B-VID-2
    request = {"prompt": "waves at golden hour", **body}
    estimate = client.post("/v1/videos/estimate", json=request, headers=auth()).json()
    assert estimate["estimated_cost"] == {"amount": amount, "currency": "credit", "breakdown": breakdown}
    created = client.post("/v1/videos", json=request, headers=auth())
    assert created.status_code == 201 and created.json()["cost"] == estimate["estimated_cost"]


def test_a_video_lives_like_an_image_and_its_output_expires_after_24_hours(client):  # B-VID-1
    with freeze_time("2026-07-01T00:00:00Z") as frozen:
        created = client.post("/v1/videos", json={"prompt": "waves", "video_duration": 7, "video_ratio": "9:16"},
                              headers=auth()).json()
        assert re.match(r"^vid_[0-9A-HJKMNP-TV-Z]{26}$", created["id"]) and created["status"] == "pending"
        assert (created["video_duration"], created["video_resolution"], created["video_ratio"],
                created["video_camera_fixed"], created["width"]) == (7, "480p", "9:16", False, None)
        frozen.tick(31)
        done = client.get(f"/v1/videos/{created['id']}", headers=auth()).json()
        assert done["status"] == "succeeded" and done["output_urls"] is None
        url = done["output_video_url"].removeprefix("http://testserver")
        video = client.get(url)
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
        assert video.content[4:8] == b"ftyp" and mp4_duration(video.content) == 7
        assert client.get(url.split("?")[0] + "?token=wrong").status_code == 403
        finish = client.app.state.mock.store.get("generations", created["id"])["finish_at"]
        frozen.tick(finish + 24 * 3600 - 1 - frozen().timestamp())
        assert client.get(url).status_code == 200
        frozen.tick(2)
        gone = client.get(url)
        assert gone.status_code == 410 and gone.json()["error"]["code"] == "output_expired"
        assert client.get(f"/v1/images/{created['id']}", headers=auth()).status_code == 404  # not an image


def test_video_cancel_and_bad_inputs(client):  # B-VID-1, B-IMG-9
    created = client.post("/v1/videos", json={"prompt": "waves"}, headers=auth()).json()
    cancelled = client.post(f"/v1/videos/{created['id']}/cancel", headers=auth())
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.post(f"/v1/videos/{created['id']}/cancel", headers=auth()).status_code == 409
    for body, status, code in [
        ({"lora_id": "sunset-style"}, 404, "lora_not_found"),  # an image style is not a video style
        ({"video_duration": 2}, 400, "value_out_of_range"),
        ({"video_resolution": "4k"}, 400, "invalid_format"),
        ({"reference_image_urls": ["https://example.com/a.jpg"] * 2}, 400, "invalid_length"),
        ({"reference_image_urls": ["https://169.254.169.254/latest"]}, 400, "invalid_reference_url"),
        ({"seed": 3}, 400, "unknown_field"),
        ({"prompt": "gore everywhere"}, 400, "content_policy_violation"),
    ]:
        response = client.post("/v1/videos", json={"prompt": "waves", **body}, headers=auth())
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body


# --- files -----------------------------------------------------------------------------------------------


def test_uploads_are_sniffed_listed_and_team_scoped(client, new_team):  # B-FILE-1
    other = new_team()
    created = upload(client)
    assert created.status_code == 201
    file = created.json()
    assert (file["source"], file["filename"], file["bytes"], file["content_type"], file["expires_at"]) == (
        "upload", "a.png", len(PNG), "image/png", None)
    webp = upload(client, content=b"RIFF\x00\x00\x00\x00WEBPVP8 ", name="b.webp", media_type="image/webp").json()
    assert webp["content_type"] == "image/webp"
    listed = client.get("/v1/files?limit=1", headers=auth()).json()
    assert listed["data"][0]["id"] == webp["id"] and listed["has_more"] is True
    after = client.get(f"/v1/files?starting_after={webp['id']}", headers=auth()).json()
    assert [f["id"] for f in after["data"]] == [file["id"]]
    assert client.get(f"/v1/files/{file['id']}", headers=auth(other["api_key"])).status_code == 404
    assert client.get("/v1/files", headers=auth(other["api_key"])).json()["data"] == []
    deleted = client.delete(f"/v1/files/{file['id']}", headers=auth())
    assert deleted.json() == {"id": file["id"], "object": "file", "deleted": True}
    gone = client.get(f"/v1/files/{file['id']}", headers=auth())
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "file_not_found"


@pytest.mark.parametrize(("files", "status", "code"), [
    ({"file": ("a.txt", b"hello", "text/plain")}, 400, "invalid_format"),
    ({"file": ("a.png", b"GIF89a....", "image/png")}, 400, "invalid_format"),  # the bytes decide, not the label
    ({"other": ("a.png", PNG, "image/png")}, 400, "unknown_field"),
])
def test_bad_uploads_are_refused(client, files, status, code):  # B-FILE-1
    response = client.post("/v1/files", files=files, headers=auth())
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


def test_url_files_expire_after_24_hours_and_are_then_unusable(client):  # B-FILE-2
    with freeze_time("2026-07-01T00:00:00Z") as frozen:
        made = client.post("/v1/files", json={"url": "https://example.com/ref.jpg"}, headers=auth()).json()
        assert (made["source"], made["expires_at"]) == ("url", "2026-07-02T00:00:00Z")
        frozen.tick(24 * 3600 - 1)
        assert client.get(f"/v1/files/{made['id']}", headers=auth()).status_code == 200
        used = client.post("/v1/images", json={"prompt": "a cat", "reference_image_urls": [made["id"]]},
                           headers=auth())
        assert used.status_code == 201
        frozen.tick(1)
        assert client.get(f"/v1/files/{made['id']}", headers=auth()).status_code == 404
        assert made["id"] not in [f["id"] for f in client.get("/v1/files", headers=auth()).json()["data"]]
        refused = client.post("/v1/images", json={"prompt": "a cat", "reference_image_urls": [made["id"]]},
                              headers=auth())
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "file_not_found"
    bad = client.post("/v1/files", json={"url": "https://10.0.0.8/a.png"}, headers=auth())
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_reference_url"


# --- characters ------------------------------------------------------------------------------------------


def test_synthesis_is_asynchronous_and_billed(client, new_team):  # B-CHAR-1, B-CHAR-2, B-ACCT-3
    team = new_team(balance=10)
    key = team["api_key"]
    with freeze_time("2026-07-01T00:00:00Z") as frozen:
        created = client.post("/v1/characters", json={"name": "Mira", "prompt": "a sea captain", "generate": True,
                                                      "client_reference_id": "order-4711"}, headers=auth(key))
        assert created.status_code == 201
        body = created.json()
        assert (body["status"], body["reference_image_urls"], body["completed_at"]) == ("synthesizing", [], None)
        assert body["client_reference_id"] == "order-4711" and body["cost"]["amount"] == 4
        assert client.get("/v1/balance", headers=auth(key)).json()["held"] == 4
        frozen.tick(31)
        ready = client.get(f"/v1/characters/{body['id']}", headers=auth(key)).json()
        assert ready["status"] == "ready" and len(ready["reference_image_urls"]) == 2
        assert ready["client_reference_id"] == "order-4711" and ready["completed_at"] is not None
        renders = ready["reference_image_urls"]
        assert all(client.get(f"/v1/files/{r}", headers=auth(key)).status_code == 200 for r in renders)
        image = client.post("/v1/images", json={"prompt": "Mira on deck", "character_id": body["id"]},
                            headers=auth(key)).json()
        assert image["inference_type"] == "i2i" and image["reference_image_urls"] == renders
        assert image["cost"]["amount"] == 1  # characters are free on images (B-IMG-7)
        balance = client.get("/v1/balance", headers=auth(key)).json()
        assert balance["balance"] == 10 - 4 - 1 and balance["held"] == 1


def test_a_character_from_references_is_ready_at_once(client):  # B-CHAR-1
    file = upload(client).json()
    created = client.post("/v1/characters", json={"name": "Mira", "reference_image_urls": [file["id"]]},
                          headers=auth()).json()
    assert created["status"] == "ready" and created["reference_image_urls"] == [file["id"]]
    assert created["cost"] is None and created["completed_at"] == created["created_at"]
    listed = client.get("/v1/characters", headers=auth()).json()
    assert [c["id"] for c in listed["data"]] == [created["id"]]


def test_deleting_an_inflight_synthesis_cancels_it_and_releases_the_hold(client, new_team):  # B-CHAR-3
    team = new_team(balance=10)
    key = team["api_key"]
    created = client.post("/v1/characters", json={"name": "Mira", "prompt": "a captain", "generate": True},
                          headers=auth(key)).json()
    refused = client.post("/v1/images", json={"prompt": "Mira", "character_id": created["id"]}, headers=auth(key))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "character_not_ready"
    deleted = client.delete(f"/v1/characters/{created['id']}", headers=auth(key))
    assert deleted.json() == {"id": created["id"], "object": "character", "deleted": True}
    assert client.get(f"/v1/characters/{created['id']}", headers=auth(key)).status_code == 404
    client.post("/__mock/clock/advance", json={"seconds": 60})
    lines = client.get("/v1/usage/events", headers=auth(key)).json()["data"]
    assert [line["type"] for line in lines] == ["release", "hold", "topup"]
    assert client.get("/v1/balance", headers=auth(key)).json()["balance"] == 10


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"name": "Mira", "generate": True}, 400, "missing_field"),
    ({"name": "Mira"}, 400, "missing_field"),
    ({"name": "Mira", "reference_image_urls": []}, 400, "invalid_length"),
    ({"name": "   ", "reference_image_urls": ["https://example.com/a.jpg"]}, 400, "invalid_format"),
    ({"name": "Mira", "reference_image_urls": ["file_01JVQ8ZK3M5N7P9R1S3T5V7W9X"]}, 404, "file_not_found"),
    ({"name": "Mira", "prompt": "x", "generate": True, "client_reference_id": "x" * 257}, 400, "invalid_length"),
    ({"name": "Mira", "prompt": "nsfw", "generate": True}, 400, "content_policy_violation"),
])
def test_bad_character_requests_are_refused(client, body, status, code):  # B-CHAR-1, B-CHAR-2
    response = client.post("/v1/characters", json=body, headers=auth())
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text


def test_a_synthesis_needs_credit(client, new_team):  # B-ACCT-3
    team = new_team(balance=3)
    refused = client.post("/v1/characters", json={"name": "Mira", "prompt": "a captain", "generate": True},
                          headers=auth(team["api_key"]))
    assert refused.status_code == 402 and refused.json()["error"]["code"] == "insufficient_credits"
    assert client.get("/v1/characters", headers=auth(team["api_key"])).json()["data"] == []
