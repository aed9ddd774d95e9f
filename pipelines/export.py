"""Drain the transactional outbox into the Parquet event lake, exactly once.

Layout: ``$AGORA_HOME/lake/events/date=YYYY-MM-DD/hour=HH/batch-<batch_id>.parquet``,
partitioned by ``occurred_at`` (UTC), with :data:`agora.events.LAKE_SCHEMA`.

One batch goes through three steps, each safe to crash in:

1. **claim**: in one transaction, up to ``batch_size`` unclaimed rows (lowest ids first) get
   ``export_batch = min(id)`` of the claimed set. A crash before commit claims nothing.
2. **write**: each partition's rows go to a hidden temp file, then ``os.replace`` moves it
   to its final name (atomic). Readers (Spark, pyarrow) skip names starting with ``.``.
   A crash leaves the rows claimed; the next run rewrites *all* files of that batch under
   the same names, so a file written before the crash is replaced, never doubled.
3. **delete**: the batch's rows leave the outbox in one transaction. A crash before
   commit means the batch is rewritten (same names, same content) and deleted next time.

So every outbox row ends up in exactly one lake file, whatever step a crash hits.
Assumes one exporter at a time (the scheduler runs it as a single task).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import delete, func, select, update
from tqdm import tqdm

from agora.events import LAKE_SCHEMA
from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.tables import OutboxEvent

_COLUMNS = [f.name for f in LAKE_SCHEMA]


@dataclass
class ExportResult:
    batches: int = 0
    events: int = 0
    files: list[Path] = field(default_factory=list)


def export_outbox(settings: Settings, batch_size: int = 50_000, *, progress: bool = True) -> ExportResult:
    """Move every outbox row into the lake; returns what was written. Loops until empty."""
    result = ExportResult()
    with session_scope(settings) as session:
        pending = session.scalar(select(func.count()).select_from(OutboxEvent)) or 0
    with tqdm(total=pending, unit="event", desc="export", file=sys.stderr, disable=not progress) as bar:
        while True:
            batch_id = claimed_batch(settings)
            if batch_id is None:
                batch_id = claim_batch(settings, batch_size)
            if batch_id is None:
                break
            files, count = write_batch(settings, batch_id)
            delete_batch(settings, batch_id)
            result.batches += 1
            result.events += count
            result.files.extend(files)
            bar.update(count)
    return result


def claimed_batch(settings: Settings) -> int | None:
    """A batch claimed by an earlier run that did not finish (crash between claim and delete)."""
    with session_scope(settings) as session:
        return session.scalar(select(func.min(OutboxEvent.export_batch))
                              .where(OutboxEvent.export_batch.is_not(None)))


def claim_batch(settings: Settings, batch_size: int) -> int | None:
    """Claim up to ``batch_size`` unclaimed rows, lowest ids first; returns the batch id."""
    with session_scope(settings) as session:
        ids = select(OutboxEvent.id).where(OutboxEvent.export_batch.is_(None)) \
            .order_by(OutboxEvent.id).limit(batch_size).subquery()
        low, high = session.execute(select(func.min(ids.c.id), func.max(ids.c.id))).one()
        if low is None:
            return None
        # A range (not an IN list) keeps the statement small; rows inside it that another
        # writer commits later are still unclaimed and simply join a later batch.
        session.execute(update(OutboxEvent)
                        .where(OutboxEvent.export_batch.is_(None),
                               OutboxEvent.id >= low, OutboxEvent.id <= high)
                        .values(export_batch=low))
        return low


def write_batch(settings: Settings, batch_id: int) -> tuple[list[Path], int]:
    """(Re)write every partition file of a claimed batch; returns the files and the row count."""
    with session_scope(settings) as session:
        rows = session.execute(
            select(*(getattr(OutboxEvent, "id" if c == "event_id" else c) for c in _COLUMNS))
            .where(OutboxEvent.export_batch == batch_id).order_by(OutboxEvent.id)).all()
    table = _to_table(rows)
    files = [write_partition(settings.events_dir, partition, batch_id, part)
             for partition, part in _partitions(table)]
    return files, len(rows)


def delete_batch(settings: Settings, batch_id: int) -> None:
    with session_scope(settings) as session:
        session.execute(delete(OutboxEvent).where(OutboxEvent.export_batch == batch_id))


def write_partition(events_dir: Path, partition: Path, batch_id: int, table: pa.Table) -> Path:
    """Write to a hidden temp name, fsync, then atomically rename to ``batch-<id>.parquet``."""
    directory = events_dir / partition
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"batch-{batch_id}.parquet"
    temp = directory / f".batch-{batch_id}.parquet.tmp"
    # Spark rejects nanosecond Parquet timestamps; the schema is already in us, this pins it.
    pq.write_table(table, temp, coerce_timestamps="us", allow_truncated_timestamps=True)
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, final)
    return final


def _to_table(rows: Iterable) -> pa.Table:
    columns = list(zip(*rows)) or [[] for _ in _COLUMNS]
    return pa.Table.from_arrays(
        [pa.array(list(values), type=LAKE_SCHEMA.field(name).type) for name, values in zip(_COLUMNS, columns)],
        schema=LAKE_SCHEMA)


def _partitions(table: pa.Table):
    """(relative partition dir, rows) pairs, in the batch's id order."""
    hours = pc.strftime(table["occurred_at"], format="date=%Y-%m-%d/hour=%H", locale="C")
    keys = hours.to_pylist()
    for key in dict.fromkeys(keys):
        mask = pc.equal(hours, key)
        yield Path(key), table.filter(mask)
