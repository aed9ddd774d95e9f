"""Schema management. Until the first release freezes the schema into Alembic revisions,
``upgrade_to_head`` creates any missing tables from the ORM metadata (idempotent)."""

from __future__ import annotations

from agora.settings import Settings


def upgrade_to_head(settings: Settings) -> None:
    from platform_api import tables  # noqa: F401 - registers every table on Base.metadata
    from platform_api.db import Base, get_engine

    Base.metadata.create_all(get_engine(settings))
