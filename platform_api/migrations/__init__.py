"""Schema management with Alembic. The revisions live in ``versions/``; ``upgrade_to_head``
brings any database (SQLite, PostgreSQL, MySQL/MariaDB) to the newest one (every head: work
branched in parallel is joined later by a merge revision)."""

from __future__ import annotations

from pathlib import Path

from agora.settings import Settings

SCRIPT_LOCATION = Path(__file__).resolve().parent
#: Full-text structures the search repository manages itself (FTS5 shadow tables, GIN and
#: FULLTEXT indexes), named with these prefixes.
UNMANAGED_PREFIXES = ("statuses_fts", "ix_statuses_fulltext", "ft_statuses_text")


def include_object(_obj, name, type_, _reflected, _compare_to) -> bool:
    """Autogenerate's filter: leave the full-text structures to ``repositories/search.py``."""
    return not (type_ in ("table", "index") and name and name.startswith(UNMANAGED_PREFIXES))


def _config(connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


def upgrade_to_head(settings: Settings) -> None:
    from alembic import command

    from platform_api.db import get_engine

    with get_engine(settings).begin() as connection:
        command.upgrade(_config(connection), "heads")


def new_revision(settings: Settings, message: str) -> None:
    """Autogenerate a revision from the difference between the ORM tables and the database."""
    from alembic import command

    from platform_api.db import get_engine

    upgrade_to_head(settings)
    with get_engine(settings).begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
