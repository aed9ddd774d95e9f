"""Feast batch sources: the daily snapshot tables written by ``pipelines/features.py``.

Each table is a Parquet directory under ``$AGORA_HOME/feature_tables/<table>/`` with an
``event_timestamp`` (the snapshot is valid from then on) and ``created`` (write time).
The path is read from the settings when the repo is applied and stored in the registry.
"""

from feast import FileSource, PushSource
from feast.data_format import ParquetFormat

from agora.settings import get_settings

_TABLES = get_settings().feature_tables_dir


def _snapshot_table(table: str) -> FileSource:
    return FileSource(
        name=f"{table}_source",
        path=str(_TABLES / table),
        file_format=ParquetFormat(),
        timestamp_field="event_timestamp",
        created_timestamp_column="created",
        description=f"Daily snapshots of {table} (pipelines/features.py)",
    )


account_activity_source = _snapshot_table("account_activity")
author_engagement_source = _snapshot_table("author_engagement")
post_engagement_source = _snapshot_table("post_engagement")
viewer_author_affinity_source = _snapshot_table("viewer_author_affinity")
post_counters_source = _snapshot_table("post_counters")
post_topics_source = _snapshot_table("post_topics")
viewer_topics_source = _snapshot_table("viewer_topics")
author_topics_source = _snapshot_table("author_topics")

#: Real-time post counters: ``agora features push-counters`` (``pipelines/push_counters.py``)
#: pushes the current counts of every status with newly exported events, so they are fresh
#: between materialisations; the batch table above backs it for training and backfills.
post_counters_push = PushSource(name="post_counters_push", batch_source=post_counters_source)
