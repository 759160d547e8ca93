"""Careless and hostile inputs met at the edges: config files, terminals, databases, imported files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsdiff.config import load_config

from .conftest import SEED_REUTERS


# -- config ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('feed = ["https://a.example/rss"]', 'unknown key "feed" (did you mean "feeds"?)'),
        ("[fetc]\njobs = 2", 'unknown key "fetc" (did you mean "fetch"?)'),
        ("[fetch]\njbos = 2", 'fetch: unknown key "jbos" (did you mean "jobs"?)'),
        ("[schedule]\nretire = '3d'", 'schedule: unknown key "retire" (did you mean "retire_after"?)'),
        ("[extraction]\nsuspect = 0.3", '[extraction]: unknown key "suspect" (did you mean "suspect_ratio"?)'),
        ("colour = 1", 'unknown key "colour" (known: extraction, feeds, fetch, schedule, sites)'),
    ],
)
def test_config_typos_are_errors_naming_the_nearest_key(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "newsdiff.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        load_config(config, tmp_path / "news.db")


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[fetch]\nread_timeout = inf", "fetch.read_timeout"),
        ("[fetch]\nread_timeout = nan", "fetch.read_timeout"),
        ('[fetch]\ntotal_timeout = "99999999999999999999d"', "fetch.total_timeout"),
        ("[fetch]\nbackoff = 99999999999999999999", "fetch.backoff"),
        ("[schedule]\nretire_after = 1e300", "schedule.retire_after"),
        ("[schedule]\nsteps = [{until = '1d', every = '99999999999w'}]", "schedule.steps.every"),
        ("[fetch]\nretries = 9999999999999", "fetch.retries"),
        ("[fetch]\nmax_bytes = 99999999999999999999", "fetch.max_bytes"),
        ('[fetch]\nuser_agent = "newsdiff\\r\\nX-Injected: 1"', "fetch.user_agent"),
        ('[fetch]\nuser_agent = "newsdiff \\u001b[2J"', "fetch.user_agent"),
    ],
)
def test_huge_or_broken_config_values_are_one_line_errors(tmp_path: Path, toml: str, key: str) -> None:
    config = tmp_path / "newsdiff.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_config(config, tmp_path / "news.db")
    assert key in str(caught.value) and "\n" not in str(caught.value)


def test_huge_config_value_fails_the_command_in_one_line(cli, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[fetch]\nread_timeout = inf\n", encoding="utf-8")
    result = cli("--config", config, "poll")
    assert result.code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "fetch.read_timeout" in result.stderr


def test_a_missing_config_file_is_an_error_for_every_command(cli, tmp_path: Path) -> None:
    assert cli("import", SEED_REUTERS).code == 0
    for command in (["list"], ["stats"], ["log", "1"], ["show", "1"]):
        result = cli("--config", tmp_path / "nope.toml", *command)
        assert (result.code, result.stdout) == (1, ""), command
        assert result.stderr == f"newsdiff: config file {tmp_path / 'nope.toml'} does not exist\n"
