"""Snowflake IDs: time-ordered, and unique even when a bulk import asks for more than one
millisecond's 65,536 with a single timestamp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from platform_api.ids import id_floor, snowflake_id


def test_ids_for_one_timestamp_stay_unique_past_the_sequence_size():
    at = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    ids = [snowflake_id(at) for _ in range(200_000)]
    assert len(set(ids)) == len(ids)
    assert min(ids) >= id_floor(at)
    assert max(ids) < id_floor(at + timedelta(milliseconds=4))  # the run carried into the next 3 ms


def test_ids_follow_time():
    start = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
    ids = [snowflake_id(start + timedelta(milliseconds=i)) for i in range(1_000)]
    assert ids == sorted(ids)
    assert all(id_floor(start + timedelta(milliseconds=i)) <= v < id_floor(start + timedelta(milliseconds=i + 1))
               for i, v in enumerate(ids))
