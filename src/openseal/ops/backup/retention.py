"""Scheduled backups: the interval of ``--schedule`` and the retention of ``--keep``."""

from __future__ import annotations

import re
from pathlib import Path

from openseal.errors import InvalidInput

UNITS = {"m": 60, "h": 3600, "d": 86400}
PATTERN = "openseal-*.osbak"


def schedule_seconds(text: str) -> float:
    """"30m", "6h", "1d" -> seconds (at least 5 minutes)."""
    match = re.fullmatch(r"(\d{1,4})([mhd])", text.strip())
    seconds = int(match.group(1)) * UNITS[match.group(2)] if match else 0
    if seconds < 300:
        raise InvalidInput("BACKUP_SCHEDULE",
                           "--schedule 应为如 30m、6h、1d 的间隔，且不少于 5 分钟",
                           "--schedule must be an interval such as 30m, 6h or 1d, at least 5 "
                           "minutes", field="schedule")
    return float(seconds)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` scheduled backups in ``folder``; the deleted."""
    dated = sorted(folder.glob(PATTERN), key=lambda p: p.name, reverse=True)
    removed = dated[keep:]
    for path in removed:
        path.unlink()
    return removed
