"""`newsdiff cron`: the crontab line and systemd units that run `poll` for one database."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from ..dburl import ServerUrl

from .poll import EXIT_BUSY


def crontab_schedule(every: timedelta) -> str:
    """The five cron fields for a period cron can keep exactly; ValueError for one it cannot."""
    minutes, remainder = divmod(int(every.total_seconds()), 60)
    if remainder or minutes < 1:
        raise ValueError("cron runs at most once a minute, in whole minutes")
    if minutes < 60 and 60 % minutes == 0:
        return "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"
    hours, rest = divmod(minutes, 60)
    if not rest and hours < 24 and 24 % hours == 0:
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    if minutes == 24 * 60:
        return "0 0 * * *"
    raise ValueError(
        f"cron cannot run every {minutes} minutes evenly; use a divisor of 60 minutes or of 24 hours"
    )


def _seconds(every: timedelta) -> str:
    return f"{int(every.total_seconds())}s"


def cron_text(database: Path | ServerUrl, every: timedelta, base: Sequence[str]) -> str:
    """A crontab line and a systemd service + timer, all naming the database by absolute path (a server
    by its URL without the password); `base` is the newsdiff command with its global options. A weekly
    `vacuum` line comes with the crontab."""
    db_path = database.resolve() if isinstance(database, Path) else str(database)
    stem = database.stem if isinstance(database, Path) else database.database
    line = shlex.join([*base, "poll", "--quiet"])
    vacuum = shlex.join([*base, "vacuum"]).replace("%", chr(92) + "%")
    suffix = "" if stem == "newsdiff" else "-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", stem)
    unit = "newsdiff-poll" + suffix
    return f"""\
# crontab -e  (a run that finds the previous one still going exits {EXIT_BUSY} and leaves it be)
{crontab_schedule(every)} {line.replace('%', chr(92) + '%')}
# weekly, to give back the space superseded versions leave in the file (it waits for a running poll)
30 4 * * 0 {vacuum} > /dev/null

# ~/.config/systemd/user/{unit}.service
[Unit]
Description=newsdiff poll for {db_path}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart={line.replace('%', '%%')}
SuccessExitStatus={EXIT_BUSY}

# ~/.config/systemd/user/{unit}.timer
[Unit]
Description=Run newsdiff poll for {db_path} every {_seconds(every)}

[Timer]
OnBootSec=1min
OnUnitActiveSec={_seconds(every)}

[Install]
WantedBy=timers.target

# then: systemctl --user daemon-reload && systemctl --user enable --now {unit}.timer
# and once, so the timer keeps running while you are logged out: loginctl enable-linger "$USER"
"""
