"""Alembic migrations on SQLite and the real PostgreSQL and MariaDB: head matches the ORM
tables exactly, full-text search is installed, and the schema downgrades cleanly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from agora.settings import get_settings
from platform_api.db import Base, get_engine
from platform_api.migrations import _config, include_object, upgrade_to_head


def test_upgrade_head_matches_the_orm_and_downgrades(database_url, agora_home):
    settings = get_settings()
    upgrade_to_head(settings)
    upgrade_to_head(settings)  # idempotent
    engine = get_engine(settings)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": False, "include_object": include_object}), Base.metadata)
    assert diff == []
    tables = set(inspect(engine).get_table_names())
    assert {"accounts", "statuses", "outbox_events", "home_feed_entries"} <= tables
    if engine.dialect.name == "sqlite":
        assert "statuses_fts" in tables
    with engine.begin() as connection:
        command.downgrade(_config(connection), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
