"""Fixture files: each validates against its schema; a bad one is refused with file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mockserver.cli import main
from mockserver.fixtures import FILES, load_fixtures, validate_file
from mockserver.paths import data_dir
from mockserver.yamlfile import FixtureError, load_located

FIXTURES = data_dir("fixtures")


@pytest.mark.parametrize("name", sorted(FILES))
def test_shipped_fixture_validates_against_its_schema(name):
    validate_file(load_located(FIXTURES / FILES[name]), name)


@pytest.fixture
def fixtures_copy(tmp_path: Path) -> Path:
    target = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, target)
    return target


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_wrong_type_names_file_line_and_field(fixtures_copy):
    teams = fixtures_copy / "teams.yaml"
    _rewrite(teams, "rpm_limit: 600", "rpm_limit: lots")
    with pytest.raises(FixtureError) as caught:
        load_fixtures(fixtures_copy)
    line = _line_of(teams, "rpm_limit: lots")
    assert str(caught.value).startswith(f"{teams}:{line}: teams[0].rpm_limit: ")


def test_unknown_field_is_refused(fixtures_copy):
    models = fixtures_copy / "catalog" / "models.yaml"
    _rewrite(models, "    kind: chat\n", "    kind: chat\n    colour: blue\n")
    with pytest.raises(FixtureError, match=r"models\.yaml:\d+: models\[0\].*colour"):
        load_fixtures(fixtures_copy)


def test_broken_yaml_names_the_line(fixtures_copy):
    errors = fixtures_copy / "errors.yaml"
    errors.write_text("invalid_api_key:\n  status: 401\n  type: [unclosed\n")
    with pytest.raises(FixtureError, match=r"errors\.yaml:\d+: not valid YAML"):
        load_fixtures(fixtures_copy)


def test_duplicate_keys_across_teams_are_refused(fixtures_copy):
    teams = fixtures_copy / "teams.yaml"
    _rewrite(teams, "al_live_7e3a9b1c5d2f4e6a8b0c1d3e5f7a9b2c4d6e8f0a1b3c5d7e9f2a4b6c8d0e1f3a",
             "al_live_5f1c1e0b7a9d4c2e8b3f6a0d9e7c4b1a2f8e6d4c0b9a7e5d3c1f0a8b6e4d2c9a")
    with pytest.raises(FixtureError, match=r"teams\[1\]\.keys\[0\]\.key: this key belongs to another team"):
        load_fixtures(fixtures_copy)


def test_missing_file_is_named(fixtures_copy):
    (fixtures_copy / "catalog" / "loras.yaml").unlink()
    with pytest.raises(FixtureError, match="loras.yaml: missing fixture file"):
        load_fixtures(fixtures_copy)


def test_a_team_pinned_after_the_newest_version_is_refused(fixtures_copy):
    _rewrite(fixtures_copy / "teams.yaml", 'default_api_version: "2026-06-19"', 'default_api_version: "2030-01-01"')
    with pytest.raises(FixtureError, match=r"teams\[0\]\.default_api_version: after the newest version"):
        load_fixtures(fixtures_copy)


def test_serve_refuses_to_start_on_a_broken_store(fixtures_copy, capsys):
    _rewrite(fixtures_copy / "teams.yaml", "balance: 1000", "balance: -5")
    assert main(["serve", "--fixtures", str(fixtures_copy)]) == 2
    err = capsys.readouterr().err
    assert "cannot start" in err and "teams.yaml" in err and "teams[0].balance" in err


_yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


@given(st.one_of(st.text(max_size=300), _yaml_values.map(lambda v: yaml.safe_dump(v))))
def test_random_files_are_refused_with_a_located_message_never_a_crash(tmp_path_factory, text):
    directory = tmp_path_factory.mktemp("junk")
    shutil.copytree(FIXTURES, directory, dirs_exist_ok=True)
    (directory / "teams.yaml").write_text(text)
    try:
        load_fixtures(directory)
    except FixtureError as error:
        assert str(error).startswith(str(directory / "teams.yaml") + ":")
