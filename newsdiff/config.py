"""Settings from a TOML file: site extraction rules, feeds, schedule, guards."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .track.settings import TrackSettings, track_settings

CONFIG_NAME = "newsdiff.toml"


@dataclass
class Config:
    """Everything a command may read from the config file; defaults when there is none."""

    path: Path | None = None
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    suspect_ratio: float = 0.5
    track: TrackSettings = field(default_factory=TrackSettings)  # feeds, schedule, fetch limits


def load_config(path: Path | None, db_path: Path) -> Config:
    """`path` if given (it must exist), else newsdiff.toml beside the database if there is one."""
    if path is None:
        beside = Path(db_path).parent / CONFIG_NAME
        if not beside.exists():
            return Config()
        path = beside
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"config file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"config file {path} is not valid TOML: {exc}") from None
    try:
        track = track_settings(data)
    except ValueError as exc:
        raise ValueError(f"config file {path}: {exc}") from None
    extraction = data.get("extraction", {})
    return Config(path=Path(path), sites=dict(data.get("sites", {})),
                  suspect_ratio=float(extraction.get("suspect_ratio", 0.5)), track=track)
