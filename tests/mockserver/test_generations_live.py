"""A generation's whole life over real HTTP, with the clock moved through the admin API (B-IMG-1, B-IMG-2,
B-IMG-8, B-VID-1, B-ACCT-3): pending, processing, succeeded, the bytes, and the 410 at the expiry edge."""

from __future__ import annotations

from conftest import auth

from mockserver.synth.media import mp4_duration, png_size


def test_an_image_lives_its_whole_life_on_the_admin_clock(live_reset):
    with live_reset.client() as http:
        key = http.post("/__mock/teams", json={"balance": 10}).json()["api_key"]
        created = http.post("/v1/images", json={"prompt": "a lighthouse", "size": "2k_3_2"}, headers=auth(key))
        assert created.status_code == 201
        generation = created.json()
        row = live_reset.app.state.mock.store.get("generations", generation["id"])
        timeline = []
        for seconds in (row["processing_at"] - row["created"], row["finish_at"] - row["processing_at"]):
            timeline.append(http.get(f"/v1/images/{generation['id']}", headers=auth(key)).json()["status"])
            assert http.post("/__mock/clock/advance", json={"seconds": seconds + 0.01}).status_code == 200
        done = http.get(f"/v1/images/{generation['id']}", headers=auth(key)).json()
        assert timeline == ["pending", "processing"] and done["status"] == "succeeded"
        assert http.get("/v1/balance", headers=auth(key)).json() == {
            "object": "balance", "team_id": http.get("/v1/team", headers=auth(key)).json()["id"],
            "currency": "credit", "balance": 9.0, "held": 0.0, "available": 9.0}
        url = done["output_urls"][0]
        assert url.startswith(live_reset.base_url)
        image = http.get(url)  # anonymous: no key (the client sends none)
        assert image.status_code == 200 and png_size(image.content) == (2048, 1376)
        http.post("/__mock/clock/advance", json={"seconds": 7 * 24 * 3600 - 1})
        assert http.get(url).status_code == 200
        http.post("/__mock/clock/advance", json={"seconds": 2})
        gone = http.get(url)
        assert gone.status_code == 410 and gone.json()["error"]["code"] == "output_expired"


def test_a_video_lives_its_whole_life_on_the_admin_clock(live_reset):
    with live_reset.client() as http:
        created = http.post("/v1/videos", json={"prompt": "waves", "video_duration": 3}, headers=auth()).json()
        http.post("/__mock/clock/advance", json={"seconds": 31})
        done = http.get(f"/v1/videos/{created['id']}", headers=auth()).json()
        video = http.get(done["output_video_url"])
        assert video.status_code == 200 and mp4_duration(video.content) == 3
        http.post("/__mock/clock/advance", json={"seconds": 24 * 3600})
        assert http.get(done["output_video_url"]).status_code == 410
