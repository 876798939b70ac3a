"""Where the contract and the default fixtures live: bundled in the wheel, or at the top of a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`openapi` or `fixtures`: the wheel's `_bundled/<name>`, else the checkout's top-level folder."""
    bundled = _PACKAGE / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name


def spec_path() -> Path:
    return data_dir("openapi") / "aurous.yaml"


def schema_path(name: str) -> Path:
    return _PACKAGE / "schemas" / f"{name}.schema.yaml"
