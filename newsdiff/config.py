"""Settings from a TOML file: site extraction rules, feeds, schedule, guards."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .archive.settings import ArchiveSettings, archive_settings
from .model import InputError
from .sources.files import read_capped
from .sources.sites import site_tables
from .track.settings import TrackSettings, reject_unknown, track_settings

if TYPE_CHECKING:
    from .alerts.rules import AlertRule

CONFIG_NAME = "newsdiff.toml"
# Every top-level key and table the file may hold; anything else is a typo, reported with the nearest one.
SECTIONS = ("feeds", "schedule", "fetch", "sites", "extraction", "alerts", "archive")
# The short-page guard: a fetch below this share of the previous version's words is suspect, not stored.
SUSPECT_RATIO = 0.5


@dataclass
class Config:
    """Everything a command may read from the config file; defaults when there is none."""

    path: Path | None = None
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    suspect_ratio: float = SUSPECT_RATIO
    track: TrackSettings = field(default_factory=TrackSettings)  # feeds, schedule, fetch limits
    alerts: tuple[AlertRule, ...] = ()  # [[alerts]] rules (URLs are secrets: never stored or shown)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)  # the Wayback Machine


def load_config(path: Path | None, db_path: Path) -> Config:
    """`path` if given (it must exist), else newsdiff.toml beside the database if there is one."""
    if path is None:
        beside = Path(db_path).parent / CONFIG_NAME
        if not beside.exists():
            return Config()
        path = beside
    if not Path(path).exists():
        raise ValueError(f"config file {path} does not exist")
    try:
        data = tomllib.loads(read_capped(Path(path), streams=True).decode("utf-8"))  # `<(envsubst ...)` too
    except InputError as exc:  # a device (`/dev/zero` was read until memory ran out), a folder, over 50 MB
        raise ValueError(f"config file {path}: {exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"config file {path} is not valid TOML: {exc}") from None
    try:
        reject_unknown(data, SECTIONS, "")
        track = track_settings(data)
        sites = site_tables(data.get("sites", {}))
        suspect_ratio = _suspect_ratio(data.get("extraction", {}))
        archive = archive_settings(data.get("archive", {}))
        alerts: tuple[AlertRule, ...] = ()
        if "alerts" in data:  # Apprise, which checks the URLs, is imported only for a config with rules
            from .alerts.rules import alert_rules

            alerts = alert_rules(data["alerts"])
    except ValueError as exc:
        raise ValueError(f"config file {path}: {exc}") from None
    return Config(path=Path(path), sites=sites, suspect_ratio=suspect_ratio, track=track, alerts=alerts,
                  archive=archive)


def _suspect_ratio(extraction: Any) -> float:
    """[extraction] suspect_ratio: below this share of the previous version's words, a fetch is suspect."""
    if not isinstance(extraction, dict):
        raise ValueError("[extraction] must be a table")
    reject_unknown(extraction, ("suspect_ratio",), "[extraction]: ")
    value = extraction.get("suspect_ratio", SUSPECT_RATIO)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"[extraction] suspect_ratio must be a number from 0 to 1, not {value!r}")
    return float(value)
