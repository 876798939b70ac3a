"""Which rules fire on a call. Scenarios are active per request (the `Aurous-Mock-Scenario` header), per
team (`scenarios` of the team) and globally (`--scenario`, `POST /__mock/scenarios/{name}`), looked at
in that order, each scenario once. Counters (`nth`, `after`, `times`) are kept per activation in the
store, so parallel tests with their own teams or headers never see each other's counts; `probability`
draws from a random stream seeded by the server seed, the activation, the rule and its count, so the
same calls replay the same way.

Rules run in file order: a rule whose action answers (an error, a literal response, a transport fault)
ends the call; the others (latency, stream faults, scripted content, steering) change the call and let
the following rules and then the handler run. The journal entry lists each firing (`scenarios`) and
the overrides the handler saw (`overrides`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import Response

from ..call import Call, Next
from ..errors import ApiError
from ..store import Store
from ..synth.rng import rng_for
from .actions import Firing
from .rules import Rule, Scenario

if TYPE_CHECKING:
    from ..state import MockState

HEADER = "aurous-mock-scenario"
ACTIVATIONS = "scenario_activations"  # store namespace: "global" -> {scenario name: activation id}
COUNTERS = "scenario_counters"


_HEADERS_SEEN: dict[str, tuple[list[str], str]] = {}  # header value -> (names, counter key part)


def header_names(value: str) -> tuple[list[str], str]:
    """The names of an `Aurous-Mock-Scenario` value, in order, once each; and the value normalised."""
    known = _HEADERS_SEEN.get(value)
    if known is not None:
        return known
    names: list[str] = []
    for name in value.split(","):
        name = name.strip()
        if name and name not in names:
            names.append(name)
    parsed = (names, ",".join(names))
    if len(_HEADERS_SEEN) < 4096:
        _HEADERS_SEEN[value] = parsed
    return parsed


def _activated(call: Call) -> list[tuple[str, str, Scenario]]:
    """(activation label, counter key, scenario) for every scenario active on this call. On the path of
    every request, so written for speed: no scenario active costs three lookups."""
    header = call.headers.get(HEADER)
    team = call.team
    team_names = team.get("scenarios") if team is not None else None
    global_names = call.mock.store.get(ACTIVATIONS, "global")
    if not header and not team_names and not global_names:
        return _NOTHING
    library = call.mock.scenarios
    team_id = team["id"] if team is not None else "-"
    out: list[tuple[str, str, Scenario]] = []
    taken: list[str] = []
    if header:
        names, normalised = header_names(header)
        key = "header:" + team_id + ":" + normalised
        for name in names:
            scenario = library.get(name)
            if scenario is None:
                raise ApiError("invalid_format", f"Unknown scenario {name!r} in Aurous-Mock-Scenario; "
                               "GET /__mock/scenarios lists them.", param="Aurous-Mock-Scenario")
            taken.append(name)
            out.append(("header", key, scenario))
    if team_names:
        key = "team:" + team_id
        for name in team_names:
            _add(out, taken, library.get(name), "team", key)
    if global_names:
        for name, activation_id in global_names.items():
            _add(out, taken, library.get(name), "global", f"global:{activation_id}")
    return out


def _add(out: list[tuple[str, str, Scenario]], taken: list[str], scenario: Scenario | None, label: str,
         key: str) -> None:
    """A team's or global scenario, unless a more specific activation has it (or its file is gone)."""
    if scenario is not None and scenario.name not in taken:
        taken.append(scenario.name)
        out.append((label, key, scenario))


_NOTHING: list[tuple[str, str, Scenario]] = []


def _fire(call: Call, label: str, key: str, scenario: Scenario, rule: Rule) -> Firing | None:
    """Count the match and decide whether the rule fires this time."""
    store = call.mock.store
    base = f"{key}|{scenario.name}|{rule.index}"
    matched = _count(store, base + "|matched", 1)
    if rule.nth is not None and matched != rule.nth:
        return None
    if matched <= rule.after:
        return None
    if rule.times is not None and _count(store, base + "|fired", 0) >= rule.times:
        return None
    rng = rng_for("scenario", call.mock.config.seed, key, scenario.name, rule.index, matched)
    if rule.probability is not None and rng.random() >= rule.probability:
        return None
    fired = _count(store, base + "|fired", 1)
    return Firing(scenario.name, rule.index, label, matched, fired, rng)


def _count(store: Store, key: str, add: int) -> int:
    """A counter that lives until the next reset (the store's expiring counters are for time windows)."""
    value = int(store.get(COUNTERS, key) or 0) + add
    if add:
        store.put(COUNTERS, key, value)
    return value


async def apply(call: Call, call_next: Next) -> Response:
    active = _activated(call)
    if not active:
        return await call_next(call)
    scope = call.request.scope
    method, path = scope["method"], scope["path"]
    headers = call.headers
    fired: list[dict[str, object]] = []
    for label, key, scenario in active:
        for rule in scenario.index.candidates(method, path):
            only_header = rule.only_header
            if only_header is not None:
                if headers.get(only_header[0]) != only_header[1]:
                    continue
            elif not rule.matches_details(call):
                continue
            firing = _fire(call, label, key, scenario, rule)
            if firing is None:
                continue
            note: dict[str, object] = {"scenario": scenario.name, "rule": rule.index, "action": rule.kind,
                                       "activation": label, "call": firing.matched}
            if rule.name:
                note["name"] = rule.name
            firing.note = note
            fired.append(note)
            call.notes["scenarios"] = fired
            response = await rule.act(call, call_next, firing)
            if call.overrides:
                call.notes["overrides"] = dict(call.overrides)
            if response is not None:
                return response
    return await call_next(call)


def global_activations(store: Store) -> dict[str, int]:
    return dict(store.get(ACTIVATIONS, "global") or {})


def activate_globally(mock: MockState, name: str) -> dict[str, int]:
    """Activate `name` for every call; activating it again starts its counters afresh."""
    store = mock.store
    serial = _count(store, "activation-serial", 1)
    active = global_activations(store)
    active.pop(name, None)
    active[name] = serial
    store.put(ACTIVATIONS, "global", active)
    return active


def deactivate_all(store: Store) -> None:
    store.delete(ACTIVATIONS, "global")
