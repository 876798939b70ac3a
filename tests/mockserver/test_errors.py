"""The error catalog holds every code the server raises, and a catalog that lacks one is refused."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import DEFAULT_KEY

from mockserver import create_app
from mockserver.errors import SERVER_CODES
from mockserver.paths import data_dir
from mockserver.yamlfile import FixtureError

SOURCE = Path(__file__).resolve().parents[2] / "mockserver"


def test_server_codes_list_every_code_the_code_raises():
    raised = set()
    for path in SOURCE.rglob("*.py"):
        raised |= set(re.findall(r'ApiError\(\s*"([a-z_]+)"', path.read_text()))
    assert raised <= SERVER_CODES, raised - SERVER_CODES


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "fixtures"
    shutil.copytree(data_dir("fixtures"), target)
    return target


BROKEN_STORES = [
    # (file, text replaced, replacement, what the refusal says)
    ("errors.yaml", "invalid_api_key:", "invalid_api_key_renamed:",
     r"errors\.yaml:\d+: .*lacks codes the server raises: invalid_api_key"),
    ("errors.yaml", "invalid_webhook_url:", "invalid_webhook_url_renamed:",
     "lacks codes the contract names: invalid_webhook_url"),
    ("versions.yaml", "  models_pricing_shape:", "  models_pricing_shape_old:",
     r"versions\.yaml:\d+: gates: missing gates .*models_pricing_shape"),
    ("teams.yaml", 'default_api_version: "2026-05-15"', 'default_api_version: "2026-02-30"',
     r"teams\[1\]\.default_api_version: 2026-02-30 is not a calendar date"),
]


@pytest.mark.parametrize(("name", "old", "new", "message"), BROKEN_STORES,
                         ids=["server code", "contract code", "gate", "impossible pin"])
def test_a_store_that_would_fail_at_run_time_is_refused_at_start(tmp_path, name, old, new, message):
    fixtures = _copy(tmp_path)
    path = fixtures / name
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(FixtureError, match=message):
        create_app(fixtures=fixtures)


def test_a_first_team_without_an_active_key_is_refused(tmp_path):
    fixtures = _copy(tmp_path)
    teams = fixtures / "teams.yaml"
    text = teams.read_text()
    for key in (DEFAULT_KEY, "og_legacy_default_team_key"):
        text = text.replace(f"      - key: {key}\n", f"      - key: {key}\n        status: revoked\n")
    teams.write_text(text)
    with pytest.raises(FixtureError, match=r"teams\[0\]\.keys: the first team needs an active key"):
        create_app(fixtures=fixtures)
