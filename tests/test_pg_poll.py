"""Poll workers sharing one PostgreSQL database: the due articles in batches, each host's politeness."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from .conftest import cli_for
from .test_track_poll import FAST_LIMITS, text_page
from .track_server import Outlet, page


def _polls(pg_url: str, config: Path, count: int, *args: str) -> list[dict[str, Any]]:
    """`count` `newsdiff poll` processes started at once on one database; each one's JSON summary."""
    command = [sys.executable, "-m", "newsdiff", "--db", pg_url, "--config", str(config), "poll", "--json", *args]
    polls = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(count)]
    results = [(poll.wait(timeout=180), *poll.communicate()) for poll in polls]
    assert [code for code, _, _ in results] == [0] * count, results
    return [json.loads(out) for _, out, _ in results]


def _tracked(pg_url: str, config: Path, outlet: Outlet, count: int, delay: float) -> None:
    cli = cli_for(pg_url, config_beside=config)
    for i in range(count):
        outlet.routes[f"/{i}"] = page(text_page(f"Story {i}", f"Story {i} begins."), delay=delay)
        assert cli("track", outlet.url(f"/{i}")).code == 0


def _config(tmp_path: Path, *settings: str) -> Path:
    """FAST_LIMITS with these `[fetch]` settings instead, and time for the outlet's slow answers."""
    config = tmp_path / "newsdiff.toml"
    text = FAST_LIMITS.replace("per_host = 4", "\n".join(settings)).replace("read_timeout = 0.5", "read_timeout = 2")
    config.write_text(text, encoding="utf-8")
    return config


def test_two_polls_never_have_more_than_per_host_requests_in_flight(pg_url: str, tmp_path: Path) -> None:
    """Two polls at once on one server: at most `per_host` requests in flight at the outlet in all."""
    config = _config(tmp_path, "per_host = 2")
    with Outlet() as outlet:
        _tracked(pg_url, config, outlet, 16, delay=0.4)
        summaries = _polls(pg_url, config, 2, "--jobs", "2")  # batches of 8: each poll takes some
        assert all(s["articles_checked"] > 0 for s in summaries), summaries  # both at work
        assert sum(outlet.hits.values()) == 16
        assert outlet.peak <= 2, f"{outlet.peak} requests in flight to one host"


def test_two_polls_start_requests_to_a_host_per_host_delay_apart(pg_url: str, tmp_path: Path) -> None:
    """Two polls at once on one server: requests to one host start `per_host_delay` apart over both,
    give or take how soon a poll sends a request once its turn has come."""
    config = _config(tmp_path, "per_host = 2", 'per_host_delay = "0.6s"')
    with Outlet() as outlet:
        _tracked(pg_url, config, outlet, 10, delay=0.05)
        summaries = _polls(pg_url, config, 2, "--jobs", "1")  # batches of 4: each poll takes some
        assert all(s["articles_checked"] > 0 for s in summaries), summaries
        starts = sorted(request["_at"] for i in range(10) for request in outlet.requests[f"/{i}"])
        assert len(starts) == 10
        gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
        assert min(gaps) >= 0.45, f"requests to one host started {min(gaps):.3f} s apart"


def test_overlapping_polls_without_limit_share_the_due_articles(pg_url: str, tmp_path: Path) -> None:
    """Unlimited polls claim in batches, so two overlapping ones both work, and each article is fetched once."""
    config = _config(tmp_path, "per_host = 4")
    with Outlet() as outlet:
        _tracked(pg_url, config, outlet, 40, delay=0.2)
        summaries = _polls(pg_url, config, 2, "--jobs", "2")
        assert all(s["articles_checked"] > 0 for s in summaries), summaries
        assert sum(s["articles_checked"] for s in summaries) == 40
        assert sorted(outlet.hits[f"/{i}"] for i in range(40)) == [1] * 40
    listed = cli_for(pg_url)("list", "--json").json["articles"]
    assert [a["versions"] for a in listed] == [1] * 40


def test_a_poll_in_batches_checks_each_due_article_once(any_cli, db_path: Path) -> None:
    """Batches of 4 (`--jobs 1`): `--now` and a schedule shorter than the poll's margin still check each
    article once per poll, on both backends."""
    (db_path.parent / "newsdiff.toml").write_text(
        FAST_LIMITS + '\n[schedule]\nsteps = [{ until = "1d", every = "10s" }]\n', encoding="utf-8")
    with Outlet() as outlet:
        for i in range(10):
            outlet.routes[f"/{i}"] = page(text_page(f"Story {i}", f"Story {i} begins."))
            assert any_cli("track", outlet.url(f"/{i}")).code == 0
        for args, checks in ((("--jobs", "1"), 1), (("--jobs", "1", "--now"), 2), (("--jobs", "3", "--limit", "7"), 3)):
            polled = any_cli("poll", "--json", *args)
            assert polled.code == 0, polled
            checked = 7 if "--limit" in args else 10
            assert polled.json["articles_checked"] == checked, args
            assert sum(outlet.hits[f"/{i}"] for i in range(10)) == 10 * (checks - 1) + checked, args


def test_the_lease_is_set_by_option_or_config_within_bounds(any_cli, db_path: Path) -> None:
    for args in (("--lease", "5s"), ("--lease", "2d"), ("--lease", "soon")):
        refused = any_cli("poll", *args)
        assert refused.code == 2 and "--lease" in refused.stderr, refused
    assert any_cli("poll", "--lease", "90s", "--json").code == 0
    (db_path.parent / "newsdiff.toml").write_text('[fetch]\nlease = "0s"\n', encoding="utf-8")
    refused = any_cli("poll")
    assert refused.code == 1 and "fetch.lease: expected 10s to 24h" in refused.stderr, refused
