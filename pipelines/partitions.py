"""Which hour partitions changed since a job last ran: the incremental (and late-event) bookkeeping.

A partition's *fingerprint* is the sorted list of its visible files with their sizes. The
export only ever adds files (``batch-<id>.parquet``) or rewrites one with the same content, and
Spark's partition overwrite replaces a directory's files, so a changed fingerprint is exactly
"this hour has new data", including an hour from last week that a late event just reached.

Each job keeps the fingerprints it has processed in ``$AGORA_HOME/lake/_state/<job>.json``
and saves them only after its outputs are written: a crash means the hours are redone, never
skipped. Re-running with nothing new touches nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

Fingerprints = dict[str, list[str]]


@dataclass(frozen=True, order=True)
class Hour:
    """One ``date=YYYY-MM-DD/hour=H`` partition (``H`` with or without the leading zero)."""

    day: date
    hour: int

    @classmethod
    def parse(cls, relative: str) -> Hour:
        date_part, hour_part = relative.split("/")
        return cls(date.fromisoformat(date_part.removeprefix("date=")), int(hour_part.removeprefix("hour=")))

    @property
    def start(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, self.hour, tzinfo=UTC)


def fingerprints(root: Path) -> Fingerprints:
    """``{"date=…/hour=…": ["name:size", …]}`` for every hour partition under ``root``."""
    found: Fingerprints = {}
    for directory in sorted(root.glob("date=*/hour=*")):
        files = sorted(f"{entry.name}:{entry.stat().st_size}" for entry in os.scandir(directory)
                       if entry.is_file() and not entry.name.startswith((".", "_")))
        if files:
            found[f"{directory.parent.name}/{directory.name}"] = files
    return found


class PartitionState:
    """The fingerprints one job has processed, and the hours that changed since."""

    def __init__(self, state_dir: Path, job: str):
        self.path = state_dir / f"{job}.json"

    def load(self) -> Fingerprints:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def touched(self, current: Fingerprints) -> list[Hour]:
        """Hours that are new or whose files changed, oldest first."""
        done = self.load()
        return sorted(Hour.parse(key) for key, files in current.items() if done.get(key) != files)

    def save(self, current: Fingerprints) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(f".{self.path.name}.tmp")
        temp.write_text(json.dumps(current, indent=0, sort_keys=True))
        os.replace(temp, self.path)

    def forget(self) -> None:
        """The next run recomputes every hour (``--rebuild``)."""
        self.path.unlink(missing_ok=True)


def hour_paths(root: Path, hours: list[Hour], current: Fingerprints) -> list[str]:
    """The directories of ``hours`` under ``root`` as they are named there (zero-padded or not)."""
    by_hour = {Hour.parse(key): key for key in current}
    return [str(root / by_hour[hour]) for hour in hours if hour in by_hour]
