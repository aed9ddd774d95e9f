"""Bulk SQL for building large worlds: big executemany batches on one connection, with SQLite
tuned for a one-off load (the service layer's per-row work costs hours at 100k accounts).

On SQLite the rows go straight to the driver's ``executemany`` (timestamps pre-formatted the way
SQLAlchemy's SQLite ``DATETIME`` stores them): per-row statement compilation and bind processing
cost more than SQLite itself. Other backends take SQLAlchemy Core ``insert()`` executemany."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from sqlalchemy import Connection, Engine, Table, delete, func, insert, inspect, select

BATCH = 50_000


@contextmanager
def bulk_connection(engine: Engine, deferred_index_tables: tuple[str, ...] = ()) -> Iterator[Connection]:
    """One transaction for the whole load. On SQLite: no fsync and no foreign-key checks while
    loading (rows are inserted parents first), a large page cache, and the plain (non-unique)
    indexes of ``deferred_index_tables`` dropped during the load and rebuilt after it — one
    sorted build instead of millions of random b-tree inserts."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            for pragma in ("foreign_keys=OFF", "synchronous=OFF", "cache_size=-1048576", "temp_store=MEMORY"):
                connection.exec_driver_sql(f"PRAGMA {pragma}")
        deferred = _plain_indexes(connection, deferred_index_tables) if sqlite else []
        connection.commit()
        try:
            with connection.begin():
                for name, _, _ in deferred:
                    connection.exec_driver_sql(f'DROP INDEX "{name}"')
                yield connection
                for name, table, columns in deferred:
                    connection.exec_driver_sql(f'CREATE INDEX "{name}" ON "{table}" ({", ".join(columns)})')
        finally:
            if sqlite:
                for pragma in ("foreign_keys=ON", "synchronous=NORMAL", "cache_size=-2000"):
                    connection.exec_driver_sql(f"PRAGMA {pragma}")


def _plain_indexes(connection: Connection, tables: tuple[str, ...]) -> list[tuple[str, str, list[str]]]:
    inspector = inspect(connection)
    return [(ix["name"], table, [f'"{c}"' for c in ix["column_names"]])
            for table in tables for ix in inspector.get_indexes(table) if not ix["unique"]]


def insert_rows(connection: Connection, table: Table, columns: dict, *, batch: int = BATCH) -> int:
    """Insert column-wise data (``name → sequence``, all the same length; timestamps as
    datetime64 arrays of naive UTC) in executemany batches."""
    if not columns:
        return 0
    count = len(next(iter(columns.values())))
    columns = {**_scalar_defaults(table, columns, count), **columns}
    names = list(columns)
    sqlite = connection.dialect.name == "sqlite"
    sql = f'INSERT INTO "{table.name}" ({", ".join(f"{chr(34)}{n}{chr(34)}" for n in names)}) ' \
          f'VALUES ({", ".join("?" * len(names))})'
    statement = insert(table)
    for start in range(0, count, batch):
        stop = min(start + batch, count)
        chunks = [_plain(columns[name][start:stop], sqlite) for name in names]
        if sqlite:
            connection.connection.driver_connection.executemany(sql, list(zip(*chunks)))
        else:
            connection.execute(statement, [dict(zip(names, values)) for values in zip(*chunks)])
    return count


def _scalar_defaults(table: Table, given: dict, count: int) -> dict:
    """The ORM's scalar ``default=`` values for the columns not given (the driver path bypasses them)."""
    return {c.name: [c.default.arg] * count for c in table.columns
            if c.name not in given and c.default is not None and c.default.is_scalar}


def _plain(values, sqlite: bool) -> list:
    """numpy values → what the driver binds: Python scalars (drivers reject ``np.int64``),
    timestamps as SQLAlchemy's SQLite text form there and as ``datetime`` elsewhere."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        values = values.astype("datetime64[us]")
        if not sqlite:
            return values.tolist()
        text = np.char.replace(np.datetime_as_string(values, unit="us"), "T", " ").astype(object)
        text[np.isnat(values)] = None
        return text.tolist()
    if isinstance(values, np.ndarray) and values.dtype.kind == "b":
        return [int(v) for v in values.tolist()] if sqlite else values.tolist()
    return values.tolist() if hasattr(values, "tolist") else list(values)


def last_ids(connection: Connection, tables: tuple[Table, ...]) -> dict[str, int]:
    """The highest ``id`` of each table (0 when empty): a mark to trim back to."""
    return {t.name: connection.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one() for t in tables}


def trim_after(connection: Connection, tables: tuple[Table, ...], marks: dict[str, int]) -> dict[str, int]:
    """Delete the rows added since ``marks`` (``last_ids``): a benchmark's own impressions and
    events, so that a cached world is the same world at every run. Rows deleted per table."""
    return {t.name: connection.execute(delete(t).where(t.c.id > marks.get(t.name, 0))).rowcount for t in tables}
