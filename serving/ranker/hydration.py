"""Feature hydration for the ranker: a hot-row cache in front of the Feast online store.

Feast's ``get_online_features`` spends ~0.1 ms of Python per candidate (entity keys, protobuf
values, the on-demand views' list round trip), so 1,000 candidates cost hundreds of ms whatever
the online store. Here each stored feature view keeps its recently read rows as numpy matrices
keyed by entity id; a request looks all its candidates up at once (``searchsorted``), asks
Feast only for rows it lacks or that are older than the view's TTL, and computes the on-demand
views with ``features.on_demand``: the very functions the on-demand views run for training.

Missing rows are read with the configured online store's own ``online_read`` (Feast's
``OnlineStore`` interface: one batched read per feature view of unique entity keys, SQLite,
Redis or any other store alike), not through ``get_online_features``: that wrapper then builds
a response protobuf per feature and row, which was half the read time (``bench/hydration.py``).
Feast stays the source of truth. A stored view's rows change when it is materialized, so its
cached rows are dropped as soon as the registry shows a new materialization of it (read through
Feast's registry cache, so within its ``cache_ttl_seconds``); besides, a row is at most ``ttl``
seconds old (pushed live counters, which change without a materialization: ``live_ttl``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from feast.infra.online_stores.helpers import get_online_store_from_config

from features.on_demand import TRANSFORMS, padded


def _scalar(value) -> float:
    """A stored feature's ``ValueProto`` as a float; NaN when it is absent or unset."""
    kind = None if value is None else value.WhichOneof("val")
    return np.nan if kind in (None, "null_val") else float(getattr(value, kind))


def _listed(value):
    """A stored list feature's values; None when it is absent or unset."""
    kind = None if value is None else value.WhichOneof("val")
    return None if kind in (None, "null_val") else getattr(value, kind).val


def _entity_keys(join_keys: Sequence[str], keys: Sequence[np.ndarray]) -> list:
    """Feast entity keys (int64 join keys) of each key tuple."""
    from feast.protos.feast.types.EntityKey_pb2 import EntityKey
    from feast.protos.feast.types.Value_pb2 import Value

    names = list(join_keys)
    return [EntityKey(join_keys=names, entity_values=[Value(int64_val=v) for v in row])
            for row in zip(*(k.tolist() for k in keys))]


class SortedKeys:
    """int64 keys → slot numbers, looked up a whole batch at a time with one ``searchsorted``."""

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=np.int64)
        self._slots = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._keys)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The slot of each key, -1 where it is unknown."""
        if not len(self._keys):
            return np.full(len(keys), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        return np.where(self._keys[at] == keys, self._slots[at], -1)

    def insert(self, keys: np.ndarray, slots: np.ndarray) -> None:
        """Add keys that are not there yet (unique), each with its slot."""
        order = np.argsort(keys, kind="stable")
        at = np.searchsorted(self._keys, keys[order])
        self._keys = np.insert(self._keys, at, keys[order])
        self._slots = np.insert(self._slots, at, slots[order])


class EntityKeys:
    """A view's entity key (one or two id columns) as one int64 per row: the id itself, or for
    a pair the two ids' codes (interned in first-seen order) as high and low 32 bits."""

    def __init__(self, width: int) -> None:
        if width not in (1, 2):
            raise ValueError(f"the hot-row cache handles one- or two-column entity keys, not {width}")
        self._codes = [SortedKeys() for _ in range(width)] if width == 2 else []

    def encode(self, columns: Sequence[np.ndarray], *, add: bool) -> np.ndarray:
        """The key of each row; -1 for a pair with an id never seen (unless ``add``)."""
        if not self._codes:
            return np.asarray(columns[0], dtype=np.int64)
        codes = [self._intern(book, np.asarray(c, dtype=np.int64), add) for book, c in zip(self._codes, columns)]
        return np.where((codes[0] >= 0) & (codes[1] >= 0), (codes[0] << 32) | codes[1], -1)

    @staticmethod
    def _intern(book: SortedKeys, ids: np.ndarray, add: bool) -> np.ndarray:
        codes = book.find(ids)
        if add and (codes < 0).any():
            new = np.unique(ids[codes < 0])
            book.insert(new, np.arange(len(book), len(book) + len(new)))
            codes = book.find(ids)
        return codes


@dataclass
class ViewRows:
    """One stored feature view's hot rows: float features in one matrix, each list feature in a
    NaN-padded matrix, and when each row was read from Feast."""

    name: str
    key_columns: tuple[str, ...]     # the request columns holding this view's entity key
    join_keys: tuple[str, ...]       # the view's own join keys, in the same order
    scalars: list[str]
    lists: list[str]
    ttl: float
    max_rows: int
    _keys: EntityKeys = field(init=False)
    _index: SortedKeys = field(init=False)

    def __post_init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._keys, self._index = EntityKeys(len(self.key_columns)), SortedKeys()
        self._scalar = np.empty((0, len(self.scalars)))
        self._list = {name: np.empty((0, 0)) for name in self.lists}
        self._fetched_at = np.empty(0)

    def __len__(self) -> int:
        return len(self._index)

    @property
    def features(self) -> list[str]:
        return self.scalars + self.lists

    def slots(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """Each request row's slot, -1 where the row is not cached."""
        keys = self._keys.encode([columns[c] for c in self.key_columns], add=False)
        return np.where(keys >= 0, self._index.find(keys), -1)

    def fresh(self, slots: np.ndarray, now: float) -> np.ndarray:
        fetched = self._fetched_at[np.maximum(slots, 0)] if len(self._fetched_at) else np.zeros(len(slots))
        return (slots >= 0) & (fetched > now - self.ttl)

    def gather(self, slots: np.ndarray) -> dict[str, np.ndarray]:
        """The cached values at ``slots`` (NaN where a slot is -1)."""
        unknown = slots < 0
        at = np.maximum(slots, 0)

        # One entity for the whole batch (a viewer's own rows): one row, broadcast read-only,
        # instead of a copy per candidate (5 topic vectors × 1,000 × 64 floats per request).
        single = len(slots) > 0 and bool((slots == slots[0]).all())

        def take(matrix: np.ndarray) -> np.ndarray:
            if not len(matrix):
                return np.full((len(slots), matrix.shape[1]), np.nan)
            if single:
                row = matrix[at[0]] if slots[0] >= 0 else np.full(matrix.shape[1], np.nan)
                return np.broadcast_to(row, (len(slots), matrix.shape[1]))
            rows = matrix.take(at, axis=0)
            rows[unknown] = np.nan
            return rows

        scalar = take(self._scalar)
        return {**{name: scalar[:, j] for j, name in enumerate(self.scalars)},
                **{name: take(matrix) for name, matrix in self._list.items()}}

    def store(self, key_columns: Sequence[np.ndarray], values: Mapping[str, np.ndarray], now: float) -> None:
        """Write freshly read rows (unique keys) over their old copies or into new slots."""
        if len(self) + len(key_columns[0]) > self.max_rows:
            self.clear()  # a full view starts over: bounded memory, one colder request
        keys = self._keys.encode(key_columns, add=True)
        slots = self._index.find(keys)
        new = slots < 0
        if new.any():
            slots[new] = np.arange(len(self), len(self) + int(new.sum()))
            self._index.insert(keys[new], slots[new])
            self._grow(len(self))
        self._scalar[slots] = np.column_stack([values[n] for n in self.scalars]) if self.scalars else 0.0
        for name in self.lists:
            width = max(self._list[name].shape[1], values[name].shape[1])
            matrix = self._list[name] = _widen(self._list[name], width)
            matrix[slots] = _widen(values[name], width)
        self._fetched_at[slots] = now

    def _grow(self, rows: int) -> None:
        if rows <= len(self._fetched_at):
            return
        capacity = max(rows, 2 * len(self._fetched_at), 1024)
        self._scalar = _extend(self._scalar, capacity)
        self._list = {name: _extend(matrix, capacity) for name, matrix in self._list.items()}
        self._fetched_at = np.concatenate([self._fetched_at, np.full(capacity - len(self._fetched_at), -np.inf)])


def _extend(matrix: np.ndarray, rows: int) -> np.ndarray:
    return np.vstack([matrix, np.full((rows - len(matrix), matrix.shape[1]), np.nan)])


def _widen(matrix: np.ndarray, width: int) -> np.ndarray:
    if matrix.shape[1] == width:
        return matrix
    return np.hstack([matrix, np.full((len(matrix), width - matrix.shape[1]), np.nan)])


@dataclass
class HydrationStats:
    """What one request cost: rows per view found fresh in the cache or read from Feast."""

    hits: dict[str, int] = field(default_factory=dict)
    misses: dict[str, int] = field(default_factory=dict)
    read_seconds: dict[str, float] = field(default_factory=dict)   # view → its online read and decoding
    feast_calls: int = 0
    feast_seconds: float = 0.0
    seconds: float = 0.0


@dataclass
class _Read:
    """Rows to read from Feast for the views sharing one entity key: the request rows stale in
    any of them, their unique key tuples, and which request row wants which tuple."""

    views: list[ViewRows]
    rows: np.ndarray
    keys: list[np.ndarray]            # unique key tuples, one array per key column
    inverse: np.ndarray               # request row rows[i] wants tuple inverse[i]
    values: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)   # view → feature → values
    seconds: dict[str, float] = field(default_factory=dict)                  # view → time to read it

    @classmethod
    def of(cls, views: list[ViewRows], columns: Mapping[str, np.ndarray], rows: np.ndarray) -> _Read:
        wanted = np.column_stack([np.asarray(columns[c], dtype=np.int64)[rows] for c in views[0].key_columns])
        unique, inverse = np.unique(wanted, axis=0, return_inverse=True)
        return cls(views, rows, [unique[:, j] for j in range(unique.shape[1])], inverse.reshape(-1))


class FeatureHydrator:
    """One feature service's features for a batch of candidates, through the hot-row cache."""

    def __init__(self, store, feature_service, *, ttl: float, live_ttl: float, max_rows: int = 500_000):
        self.store = store
        self.feature_service = feature_service
        self.views: dict[str, ViewRows] = {}
        self.transforms: list[tuple[str, list[str]]] = []   # on-demand view → its output features
        self.request_fields: list[str] = []
        self._lock = threading.Lock()
        self._feature_views: dict[str, object] = {}
        self.online_store = get_online_store_from_config(store.config.online_store)
        on_demand = {v.name: v for v in store.list_on_demand_feature_views()}
        for projection in feature_service.feature_view_projections:
            if projection.name in on_demand:
                self._add_on_demand(on_demand[projection.name], projection, ttl, live_ttl, max_rows)
            else:
                self._add_view(projection, ttl, live_ttl, max_rows)
        self.feature_names = [f.name for p in feature_service.feature_view_projections for f in p.features]
        self._groups: dict[tuple[str, ...], list[ViewRows]] = {}
        for view in self.views.values():
            self._groups.setdefault(view.key_columns, []).append(view)
        self._materializations = self._materialization_marks()

    def _add_on_demand(self, odfv, projection, ttl, live_ttl, max_rows) -> None:
        if odfv.name not in TRANSFORMS:
            raise ValueError(f"on-demand view {odfv.name!r} has no numpy transform in features/on_demand.py")
        for source in odfv.source_feature_view_projections.values():
            self._add_view(source, ttl, live_ttl, max_rows)
        for request in odfv.source_request_sources.values():
            self.request_fields += [f.name for f in request.schema if f.name not in self.request_fields]
        self.transforms.append((odfv.name, [f.name for f in projection.features]))

    def _add_view(self, projection, ttl, live_ttl, max_rows) -> None:
        from feast.data_source import PushSource
        from feast.types import Array

        view = self._feature_views[projection.name] = self.store.get_feature_view(projection.name)
        join_keys = tuple(c.name for c in view.entity_columns)
        key_columns = tuple(projection.join_key_map.get(k, k) for k in join_keys)
        wanted = {f.name for f in projection.features}
        known = self.views.get(view.name)
        if known is not None:
            if known.key_columns != key_columns:
                raise ValueError(f"feature view {view.name!r} is used with two entity key mappings")
            wanted |= set(known.features)
        fields = [f for f in view.features if f.name in wanted]
        live = isinstance(getattr(view, "stream_source", None), PushSource)
        self.views[view.name] = ViewRows(
            view.name, key_columns, join_keys,
            scalars=[f.name for f in fields if not isinstance(f.dtype, Array)],
            lists=[f.name for f in fields if isinstance(f.dtype, Array)],
            ttl=live_ttl if live else ttl, max_rows=max_rows)

    def hydrate(self, rows: Mapping[str, Sequence]) -> tuple[dict[str, np.ndarray], HydrationStats]:
        """``rows``: one equal-length column per entity key and request field. Returns one array
        per feature of the service (NaN = the store has no value) and what it cost."""
        started = time.perf_counter()
        columns = {name: np.asarray(values) for name, values in rows.items()}
        n = len(next(iter(columns.values())))
        stats = HydrationStats()
        now = time.time()
        found: dict[str, dict[str, np.ndarray]] = {}
        reads = []
        self._drop_rows_of_rematerialized_views()
        with self._lock:
            for views in self._groups.values():
                stale = np.zeros(n, dtype=bool)
                for view in views:
                    slots = view.slots(columns)
                    fresh = view.fresh(slots, now)
                    found[view.name] = view.gather(np.where(fresh, slots, -1))
                    stats.hits[view.name], stats.misses[view.name] = int(fresh.sum()), int(n - fresh.sum())
                    stale |= ~fresh
                if stale.any():
                    reads.append(_Read.of(views, columns, np.flatnonzero(stale)))
        if reads:
            fetch_started = time.perf_counter()
            for read in reads:
                self._read(read)
            stats.feast_calls, stats.feast_seconds = len(reads), time.perf_counter() - fetch_started
            stats.read_seconds = {view: seconds for read in reads for view, seconds in read.seconds.items()}
            with self._lock:
                for read in reads:
                    for view in read.views:
                        view.store(read.keys, read.values[view.name], now)
            for read in reads:
                for view in read.views:
                    _fill(found[view.name], read.rows, read.inverse, read.values[view.name])
        features = {name: values for view in found.values() for name, values in view.items()}
        features.update({name: np.asarray(columns[name], dtype=np.float64) for name in self.request_fields})
        for name, outputs in self.transforms:
            computed = TRANSFORMS[name](features)
            features.update({output: computed[output] for output in outputs})
        stats.seconds = time.perf_counter() - started
        return {name: features[name] for name in self.feature_names}, stats

    def _materialization_marks(self) -> dict[str, tuple]:
        """Per cached view, what the registry says of its materializations (how many, the last end)."""
        intervals = {view.name: view.materialization_intervals
                     for view in self.store.list_feature_views(allow_cache=True)}
        return {name: (len(intervals.get(name, ())), max((end for _, end in intervals.get(name, ())), default=None))
                for name in self.views}

    def _drop_rows_of_rematerialized_views(self) -> None:
        """Clear the views materialized since the last request looked (~0.1 ms: the cached registry)."""
        marks = self._materialization_marks()
        with self._lock:
            for name, mark in marks.items():
                if mark != self._materializations.get(name):
                    self.views[name].clear()
            self._materializations = marks

    def _read(self, read: _Read) -> None:
        """One batched ``online_read`` per view of ``read`` for its unique entity keys, decoded
        into ``read.values`` (a feature the store lacks for a key reads as NaN)."""
        entity_keys: dict[tuple[str, ...], list] = {}     # views of one entity key share its protos
        for view in read.views:
            started = time.perf_counter()
            keys = entity_keys.get(view.join_keys)
            if keys is None:
                keys = entity_keys[view.join_keys] = _entity_keys(view.join_keys, read.keys)
            rows = self.online_store.online_read(self.store.config, self._feature_views[view.name], keys,
                                                 view.features)
            found = [features or {} for _, features in rows]
            values = read.values[view.name] = {}
            for name in view.scalars:
                values[name] = np.fromiter((_scalar(row.get(name)) for row in found), dtype=np.float64,
                                           count=len(found))
            for name in view.lists:
                values[name] = padded([_listed(row.get(name)) for row in found])
            read.seconds[view.name] = time.perf_counter() - started


def _fill(found: dict[str, np.ndarray], rows: np.ndarray, inverse: np.ndarray,
          values: Mapping[str, np.ndarray]) -> None:
    """Put the values read from Feast into the request rows that wanted them."""
    for name, read in values.items():
        column = found[name]
        if column.ndim == 2 and column.shape[1] != read.shape[1]:
            width = max(column.shape[1], read.shape[1])
            column = found[name] = _widen(column, width)
            read = _widen(read, width)
        if not column.flags.writeable:  # a broadcast single row (see ViewRows.gather)
            column = found[name] = column.copy()
        column[rows] = read[inverse]
