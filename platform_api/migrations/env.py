"""Alembic environment: the connection comes from ``upgrade_to_head`` (or ``agora db``)."""

from __future__ import annotations

from alembic import context

from platform_api import tables  # noqa: F401 - registers every table
from platform_api.db import Base
from platform_api.migrations import include_object

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  compare_type=True, include_object=include_object)
with context.begin_transaction():
    context.run_migrations()
