"""Reports of what changed between two versions, as everything after the diff engine reads them.

- `report`: the typed `Report` of one pair, and its cached form (versioned by `FORMAT`);
- `cache`: `Reports`, each pair diffed once and kept in the store, read back by every command;
- `compare`: the engine run on two stored versions or two files on disk.

Only `report` is loaded here: reading a cached report never loads the engine.
"""

from .report import FORMAT, Report

__all__ = ["FORMAT", "Report"]
