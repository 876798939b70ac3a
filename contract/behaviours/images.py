"""Image generation (B-IMG-1..11 but 10), with the rows that need a generation: B-AUTH-5 (anonymous
output URLs), B-VER-3 (frozen version), B-ACCT-3 (hold, charge, release). The lifecycle is a
hypothesis state machine: statuses only move forward, terminal stays terminal, billing lines add up."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, rule, run_state_machine_as_test

from ..context import Context
from ..registry import check
from .catalog import first_style
from .common import UNKNOWN_SUFFIX, id_pattern
from .generations import TERMINAL, create, expect_step, output_path, succeeded, wait_terminal

IMG_ID = id_pattern("img")
PROMPT = "A lighthouse on a cliff at dusk"
BASIC = {"prompt": PROMPT, "count": 1}
NEW_PIN, OLD_PIN = "2026-06-19", "2026-05-10"
SIGN = {"hold": -1, "charge": -1, "release": 1, "refund": 1, "topup": 1}
PRIVATE_HOSTS = ["127.0.0.1", "localhost", "10.0.0.5", "192.168.1.2", "169.254.169.254", "[::1]", "172.16.0.1"]


def ledger_for(ctx: Context, generation_id: str | None, target: Any = None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"limit": 100, **({"generation_id": generation_id} if generation_id else {})}
    ex = (target or ctx.target).request("GET", "/v1/usage/events", params=params)
    ctx.expect_status(ex, 200)
    return ex.json().get("data", [])


def net(lines: list[dict[str, Any]]) -> float:
    return sum(SIGN.get(line["type"], 1) * line["amount"] for line in lines)


@check("B-IMG-1", paid=True)
def create_answers_pending(ctx: Context) -> None:
    ex = create(ctx, "images", BASIC)
    ctx.expect_status(ex, 201)
    body = ex.json()
    ctx.expect(IMG_ID.match(str(body.get("id"))), "id img_<ulid>", body.get("id"), ex)
    ctx.expect(body.get("status") == "pending", "status pending at once", body.get("status"), ex)
    ctx.expect(body.get("prompt") == PROMPT and body.get("media_type") == "image" and body.get("image_count") == 1,
               "the documented fields: prompt as sent, media_type image, image_count",
               {k: body.get(k) for k in ("prompt", "media_type", "image_count")}, ex)


class Lifecycle(RuleBasedStateMachine):
    """Generations created, polled, cancelled while the mock's clock moves (B-IMG-2, B-IMG-9, B-ACCT-3)."""

    ctx: Context
    generations = Bundle("generations")

    def __init__(self) -> None:
        super().__init__()
        self.last: dict[str, str] = {}
        self.cost: dict[str, float] = {}

    @rule(target=generations, count=st.integers(1, 2))
    def create(self, count: int) -> str:
        ex = create(self.ctx, "images", {**BASIC, "count": count})
        self.ctx.expect_status(ex, 201)
        self.last[ex.json()["id"]] = expect_step(self.ctx, None, ex, 201)
        self.cost[ex.json()["id"]] = float(ex.json()["cost"]["amount"])
        return ex.json()["id"]

    @rule(seconds=st.sampled_from([1, 5, 15, 40]))
    def advance(self, seconds: int) -> None:
        self.ctx.caps.require_admin().advance(seconds)

    @rule(generation=generations)
    def poll(self, generation: str) -> None:
        self.last[generation] = expect_step(self.ctx, self.last[generation],
                                            self.ctx.call("GET", f"/v1/images/{generation}"))

    @rule(generation=generations)
    def cancel(self, generation: str) -> None:
        ex = self.ctx.call("POST", f"/v1/images/{generation}/cancel")
        now = self.ctx.call("GET", f"/v1/images/{generation}")
        status = expect_step(self.ctx, self.last[generation], now)
        if ex.status == 200:
            self.ctx.expect(ex.json().get("status") == "cancelled" and status == "cancelled",
                            "a cancelled generation after a 200 cancel", f"{ex.json().get('status')} / {status}", ex)
        else:
            self.ctx.expect(400 <= ex.status < 500 and status in TERMINAL,
                            "a refused cancel (4xx) only for a terminal generation", f"{ex.summary()} while {status}",
                            ex)
        self.last[generation] = status

    def teardown(self) -> None:
        for generation, status in self.last.items():
            lines = ledger_for(self.ctx, generation)
            types = [line["type"] for line in lines]
            want = -self.cost[generation] if status in ("pending", "processing", "succeeded") else 0.0
            self.ctx.expect("hold" in types and abs(net(lines) - want) < 1e-6,
                            f"a hold at create and lines adding up to {want} for a {status} generation",
                            f"{types} summing to {net(lines)} ({generation})")
            if status == "succeeded":
                self.ctx.expect("charge" in types, "a charge on success", types)
            if status in ("failed", "cancelled"):
                self.ctx.expect("release" in types, f"the hold released when {status}", types)


@check("B-IMG-2", paid=True, admin=True)
def lifecycle_state_machine(ctx: Context) -> None:
    """One walk to the end and past it, then the state machine's random interleavings."""
    created = create(ctx, "images", BASIC)
    ctx.expect_status(created, 201)
    done = wait_terminal(ctx, "images", created.json()["id"])
    ctx.caps.require_admin().advance(120)
    expect_step(ctx, done.json()["status"], ctx.call("GET", f"/v1/images/{created.json()['id']}"))
    Lifecycle.ctx = ctx
    run_state_machine_as_test(Lifecycle, settings=settings(
        max_examples=2 if ctx.quick else 4, stateful_step_count=8, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
    ctx.expect_status(ctx.call("GET", f"/v1/images/img_{UNKNOWN_SUFFIX}"), 404)


BROKEN_IMAGE = st.one_of(
    st.sampled_from([{"prompt": ""}, {"prompt": "   "}, {"prompt": "\n\t "}, {"negative_prompt": ""},
                     {"count": 0}, {"count": 5}, {"steps": 0}, {"steps": 101}, {"guidance_scale": 0.05},
                     {"guidance_scale": 30.5}, {"reference_image_urls": ["https://example.com/a.png"] * 7},
                     {"reference_image_urls": ["http://example.com/a.png"]},
                     {"reference_image_urls": ["https://example.com/" + "a" * 2048]}]),
    st.integers(4001, 4100).map(lambda n: {"prompt": "a" * n}),
    st.integers(4001, 4100).map(lambda n: {"negative_prompt": "a" * n}),
    st.sampled_from(PRIVATE_HOSTS).map(lambda h: {"reference_image_urls": [f"https://{h}/a.png"]}),
)


@check("B-IMG-3")
def image_validation(ctx: Context) -> None:
    """Every body here must be refused, so fuzzing the paid create spends nothing."""
    def refused(change: dict[str, Any]) -> None:
        ex = ctx.call("POST", "/v1/images", json_body={**BASIC, **change})
        ctx.expect(ex.status == 400 and ex.error_code, "400 with an error code", ex.summary(), ex)

    ctx.property(BROKEN_IMAGE, refused)


@check("B-IMG-4")
def sizes_by_pin(ctx: Context) -> None:
    new = {"Aurous-Version": NEW_PIN}
    cases = [({"size": "square"}, 400, "invalid_format"), ({"width": 1024}, 400, "missing_field"),
             ({"size": "2k_1_1", "width": 1024, "height": 1024}, 400, "parameter_invalid_combination"),
             ({"width": 512, "height": 1024}, 400, None), ({"width": 1024, "height": 4160}, 400, None),
             ({"size": "2k_16_9"}, 200, None), ({"size": "4k_21_9"}, 200, None),
             ({"width": 1050, "height": 2000}, 200, None)]
    for change, status, code in cases:
        ex = ctx.call("POST", "/v1/images/estimate", pin=False, headers=new, json_body={**BASIC, **change})
        ctx.expect_status(ex, status, code)
    old = {"Aurous-Version": OLD_PIN}
    for change, status in (({"size": "square"}, 200), ({"size": "hd_landscape"}, 200), ({"size": "2k_1_1"}, 400),
                           ({"width": 256, "height": 512}, 200), ({"width": 128, "height": 512}, 400)):
        ex = ctx.call("POST", "/v1/images/estimate", pin=False, headers=old, json_body={**BASIC, **change})
        ctx.expect_status(ex, status)
    snapped = create(ctx, "images", {**BASIC, "width": 1050, "height": 2000}, headers=new)
    ctx.expect_status(snapped, 201)
    width, height = snapped.json().get("width"), snapped.json().get("height")
    ctx.expect(width % 32 == 0 and height % 32 == 0 and abs(width - 1050) < 32 and abs(height - 2000) < 32,
               "width and height echoed snapped to multiples of 32", f"{width}x{height}", snapped)


@check("B-IMG-5", paid=True)
def only_supplied_values_echoed(ctx: Context) -> None:
    plain = create(ctx, "images", BASIC)
    ctx.expect_status(plain, 201)
    echoed = ("seed", "negative_prompt")
    ctx.expect(all(plain.json().get(k) is None for k in echoed), "seed and negative_prompt null when not supplied",
               {k: plain.json().get(k) for k in echoed}, plain)
    for name in ("steps", "guidance_scale", "cfg_rescale", "denoise_strength"):
        ctx.expect(name not in plain.json(), f"{name} not echoed when omitted", plain.json().get(name), plain)
    seeded = create(ctx, "images", {**BASIC, "seed": 42, "negative_prompt": "fog"})
    ctx.expect(seeded.json().get("seed") == 42 and seeded.json().get("negative_prompt") == "fog",
               "seed and negative_prompt echoed as supplied", {k: seeded.json().get(k) for k in echoed}, seeded)


def a_lora(ctx: Context) -> dict[str, Any]:
    return first_style(ctx, "/v1/loras")


@check("B-IMG-6", paid=True)
def lora_forms_and_inference_type(ctx: Context) -> None:
    lora = a_lora(ctx)
    forms = [lora["id"], lora["slug"]] + ([lora["legacy_id"]] if lora.get("legacy_id") else [])
    for form in forms:
        ctx.expect_status(ctx.call("POST", "/v1/images/estimate", json_body={**BASIC, "lora_id": form}), 200)
    ctx.expect_status(ctx.call("POST", "/v1/images", json_body={**BASIC, "lora_id": "no-such-style"}), 404)
    t2i = create(ctx, "images", BASIC)
    ctx.expect(t2i.json().get("inference_type") == "t2i", "inference_type t2i without references",
               t2i.json().get("inference_type"), t2i)
    i2i = create(ctx, "images", {**BASIC, "reference_image_urls": ["https://example.com/ref.png"]})
    ctx.expect(i2i.json().get("inference_type") == "i2i", "inference_type i2i with references",
               i2i.json().get("inference_type"), i2i)


@check("B-IMG-7", paid=True)
def cost_and_estimate(ctx: Context) -> None:
    lora = a_lora(ctx)
    base, enhance = float(lora["pricing"]["base"]), float(lora["pricing"]["enhance"])
    body = {**BASIC, "lora_id": lora["id"], "count": 2}
    estimate = ctx.call("POST", "/v1/images/estimate", json_body=body)
    ctx.expect_status(estimate, 200)
    cost = estimate.json()["estimated_cost"]
    factor = cost["breakdown"].get("discount_factor", 1)
    ctx.expect(abs(cost["breakdown"]["base"] - base * 2) < 1e-6 and abs(cost["amount"] - base * 2 * factor) < 1e-6
               and "enhance" not in cost["breakdown"], f"base = {base} x 2 and amount = base x discount",
               cost, estimate)
    enhanced = ctx.call("POST", "/v1/images/estimate", json_body={**body, "enhance_prompt": True})
    enhanced = enhanced.json()["estimated_cost"]
    ctx.expect(abs(enhanced["breakdown"].get("enhance", -1) - enhance * 2) < 1e-6,
               f"an enhance line of {enhance} x 2 with enhance_prompt", enhanced)
    refs = ctx.call("POST", "/v1/images/estimate", json_body={**body, "reference_image_urls": [
        "https://example.com/ref.png"]}).json()["estimated_cost"]
    ctx.expect(refs["amount"] == cost["amount"], "references free", f"{refs['amount']} vs {cost['amount']}")
    created = create(ctx, "images", body)
    ctx.expect_status(created, 201)
    ctx.expect(created.json()["cost"] == cost, "the create's cost equal to the estimate",
               f"{created.json()['cost']} vs {cost}", created)


@check("B-IMG-8", paid=True, admin=True)
def outputs_anonymous_then_410(ctx: Context) -> None:
    done = succeeded(ctx, "images", BASIC)
    urls = done.get("output_urls") or []
    ctx.expect(len(urls) == 1, "one output URL per image", urls)
    path = output_path(urls[0])
    ctx.expect(path.startswith(f"/v1/images/{done['id']}/output/0") and "token" in parse_qs(urlsplit(path).query),
               "/v1/images/{id}/output/{i}?token=...", path)
    ok = ctx.call("GET", path, key=None)
    ctx.expect_status(ok, 200)
    ctx.expect((ok.header("content-type") or "").startswith("image/") and ok.body, "image bytes",
               ok.header("content-type"), ok)
    wrong = ctx.call("GET", path.split("?")[0] + "?token=wrong", key=None)
    ctx.expect(400 <= wrong.status < 500 and wrong.status != 410, "a wrong token refused (4xx)", wrong.summary(), wrong)
    admin = ctx.caps.require_admin()
    admin.advance(6 * 86400)
    ctx.expect_status(ctx.call("GET", path, key=None), 200)
    admin.advance(86400 + 60)
    ctx.expect_status(ctx.call("GET", path, key=None), 410, "output_expired")


@check("B-AUTH-5", paid=True, admin=True)
def output_urls_need_no_key(ctx: Context) -> None:
    done = succeeded(ctx, "images", BASIC)
    path = output_path((done.get("output_urls") or [""])[0])
    ctx.expect("token=" in path, "a token query parameter on the output URL", path)
    ctx.expect_status(ctx.call("GET", path, key=None), 200)
    ctx.expect_status(ctx.call("GET", path, key="al_live_" + "e" * 64), 200)


@check("B-VER-3", paid=True)
def generations_freeze_their_version(ctx: Context) -> None:
    created = create(ctx, "images", BASIC, headers={"Aurous-Version": "2026-05-15"})
    ctx.expect_status(created, 201)
    ctx.expect(created.json().get("aurous_version") == "2026-05-15", "aurous_version 2026-05-15 as created",
               created.json().get("aurous_version"), created)
    later = ctx.call("GET", f"/v1/images/{created.json()['id']}", pin=False, headers={"Aurous-Version": NEW_PIN})
    ctx.expect(later.json().get("aurous_version") == "2026-05-15", "aurous_version frozen when read under another pin",
               later.json().get("aurous_version"), later)


@check("B-IMG-9", paid=True)
def cancel_then_refused(ctx: Context) -> None:
    created = create(ctx, "images", BASIC)
    ctx.expect_status(created, 201)
    generation = created.json()["id"]
    cancelled = ctx.call("POST", f"/v1/images/{generation}/cancel")
    ctx.expect_status(cancelled, 200)
    ctx.expect(cancelled.json().get("status") == "cancelled", "status cancelled", cancelled.json().get("status"),
               cancelled)
    again = ctx.call("POST", f"/v1/images/{generation}/cancel")
    ctx.expect(400 <= again.status < 500, "a 4xx when cancelling a terminal generation", again.summary(), again)
    lines = ledger_for(ctx, generation)
    ctx.expect("release" in [line["type"] for line in lines], "the credit hold released", lines)


@check("B-ACCT-3", paid=True, admin=True)
def holds_charges_releases(ctx: Context) -> None:
    poor = ctx.team(balance=0)
    refused = poor.request("POST", "/v1/images", json_body=BASIC)
    ctx.expect_status(refused, 402)
    ctx.expect(not [line for line in ledger_for(ctx, None, poor) if line["type"] == "hold"],
               "nothing created for a team without credit", "a hold line", refused)
    created = create(ctx, "images", BASIC)
    ctx.expect_status(created, 201)
    done = wait_terminal(ctx, "images", created.json()["id"])
    lines = ledger_for(ctx, done.json()["id"])
    types = [line["type"] for line in lines]
    ctx.expect("hold" in types, "a hold placed at create", types, done)
    if done.json()["status"] == "succeeded":
        ctx.expect("charge" in types and abs(net(lines) + done.json()["cost"]["amount"]) < 1e-6,
                   "a charge on success, the lines netting to the cost", types, done)


