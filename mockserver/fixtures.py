"""Load and validate the fixture files; a bad file stops start-up with file, line and field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from .errors import SERVER_CODES
from .paths import schema_path
from .validation import KEYWORD_CODES
from .versions import KNOWN_GATES
from .yamlfile import FixtureError, LocatedYaml, load_fast, load_located

FILES = {
    "errors": "errors.yaml",
    "versions": "versions.yaml",
    "teams": "teams.yaml",
    "models": "catalog/models.yaml",
    "loras": "catalog/loras.yaml",
    "video_loras": "catalog/video_loras.yaml",
}
OPTIONAL_FILES = {"generations": "generations.yaml"}  # defaults apply when absent


@dataclass(frozen=True)
class Fixtures:
    directory: Path
    errors: dict[str, Any]
    versions: dict[str, Any]
    teams: list[dict[str, Any]]
    models: dict[str, Any]
    loras: list[dict[str, Any]]
    video_loras: list[dict[str, Any]]
    generations: dict[str, Any]


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_fast(schema_path(name)), format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate_file(doc: LocatedYaml, schema_name: str) -> None:
    validate_with(doc, _validator(schema_name))


def validate_with(doc: LocatedYaml, validator: Draft202012Validator) -> None:
    """Raise the error that best explains why `doc` breaks the schema, located in the file."""
    error = best_match(validator.iter_errors(doc.data))
    if error is not None:
        raise doc.error(list(error.absolute_path), error.message)


def load_fixtures(directory: Path) -> Fixtures:
    if not directory.is_dir():
        raise FixtureError(f"{directory}: the fixtures folder does not exist")
    docs: dict[str, LocatedYaml] = {}
    for name, relative in FILES.items():
        path = directory / relative
        if not path.is_file():
            raise FixtureError(f"{path}: missing fixture file (every fixtures folder needs {relative})")
        docs[name] = load_located(path)
        validate_file(docs[name], name)
    for name, relative in OPTIONAL_FILES.items():
        path = directory / relative
        if path.is_file():
            docs[name] = load_located(path)
            validate_file(docs[name], name)
    _check_cross_references(docs)
    return Fixtures(
        directory=directory,
        errors=docs["errors"].data,
        versions=docs["versions"].data,
        teams=docs["teams"].data["teams"],
        models=docs["models"].data,
        loras=docs["loras"].data["loras"],
        video_loras=docs["video_loras"].data["video_loras"],
        generations=(docs["generations"].data or {}) if "generations" in docs else {},
    )


def _unique(doc: LocatedYaml, items: list[dict[str, Any]], list_name: str, field: str) -> None:
    seen: set[Any] = set()
    for index, item in enumerate(items):
        value = item.get(field)
        if value is None:
            continue
        if value in seen:
            raise doc.error([list_name, index, field], f"duplicate {field} {value!r}")
        seen.add(value)


def _calendar_date(doc: LocatedYaml, where: list[str | int], value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise doc.error(where, f"{value} is not a calendar date") from None


def _check_cross_references(docs: dict[str, LocatedYaml]) -> None:
    """What a schema cannot say: codes and gates the server needs, unique ids and keys, real dates."""
    errors = docs["errors"]
    missing_codes = sorted((SERVER_CODES | set(KEYWORD_CODES.values())) - set(errors.data))
    if missing_codes:
        raise errors.error([], f"the catalog lacks codes the server raises: {', '.join(missing_codes)}")
    versions = docs["versions"]
    missing_gates = sorted(KNOWN_GATES - set(versions.data["gates"]))
    if missing_gates:
        raise versions.error(["gates"], f"missing gates the server consults: {', '.join(missing_gates)}")
    for index, entry in enumerate(versions.data["published"]):
        _calendar_date(versions, ["published", index, "date"], entry["date"])
    for name, gate in versions.data["gates"].items():
        _calendar_date(versions, ["gates", name, "since"], gate["since"])
    _calendar_date(versions, ["system_default"], versions.data["system_default"])
    newest = max(entry["date"] for entry in versions.data["published"])
    if versions.data["system_default"] > newest:
        raise versions.error(["system_default"], f"after the newest published version {newest}")
    teams = docs["teams"]
    _unique(teams, teams.data["teams"], "teams", "id")
    keys_seen: set[str] = set()
    for t_index, team in enumerate(teams.data["teams"]):
        pin = team.get("default_api_version")
        if pin is not None:
            _calendar_date(teams, ["teams", t_index, "default_api_version"], pin)
        if pin is not None and pin > newest:
            raise teams.error(["teams", t_index, "default_api_version"], f"after the newest version {newest}")
        for k_index, key in enumerate(team["keys"]):
            if key["key"] in keys_seen:
                raise teams.error(["teams", t_index, "keys", k_index, "key"], "this key belongs to another team too")
            keys_seen.add(key["key"])
    if not any(key.get("status", "active") == "active" for key in teams.data["teams"][0]["keys"]):
        raise teams.error(["teams", 0, "keys"], "the first team needs an active key (aurous-mock serve prints it)")
    models = docs["models"]
    _unique(models, models.data["models"], "models", "id")
    live = {model["id"] for model in models.data["models"]}
    for slug in models.data.get("retired", {}):
        if slug in live:
            raise models.error(["retired", slug], "a retired slug cannot also be a live model")
    generations = docs.get("generations")
    for kind, timing in ((generations.data or {}).get("timing") or {}).items() if generations else ():
        for field, (low, high) in timing.items():
            if low > high:
                raise generations.error(["timing", kind, field], f"{low} is more than {high}")
        if "processing_after" in timing and timing["processing_after"][1] > timing["finish_after"][0]:
            raise generations.error(["timing", kind, "processing_after"], "processing must start before finishing")
    for name in ("loras", "video_loras"):
        for field in ("id", "slug", "legacy_id"):
            _unique(docs[name], docs[name].data[name], name, field)
