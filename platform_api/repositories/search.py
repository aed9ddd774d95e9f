"""Full-text search over statuses, one implementation per database, chosen by dialect:

- SQLite: an FTS5 table ``statuses_fts`` (rowid = status id) kept in sync by triggers on
  insert, on edits of ``text``/``spoiler_text`` and on (soft) deletion.
- PostgreSQL: ``to_tsvector('simple', …) @@ plainto_tsquery('simple', …)`` on a GIN
  expression index.
- MySQL/MariaDB: a FULLTEXT index, ``MATCH … AGAINST`` in boolean mode.

All three match every word of the query (AND), without stemming, and answer newest first, so
results agree across backends. Visibility is the caller's job (``services/search.py``).
Accounts and hashtags are prefix matches, the same everywhere."""

from __future__ import annotations

import re
import threading
import weakref

from sqlalchemy import Connection, Engine, func, or_, select, text
from sqlalchemy.orm import Session

from platform_api.tables import Account, Follow, Tag

WORD_RE = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 16

_SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS statuses_fts USING fts5(body, tokenize='unicode61 remove_diacritics 2')",
    """CREATE TRIGGER IF NOT EXISTS statuses_fts_insert AFTER INSERT ON statuses
       WHEN new.reblog_of_id IS NULL AND new.deleted_at IS NULL BEGIN
         INSERT INTO statuses_fts(rowid, body) VALUES (new.id, coalesce(new.spoiler_text, '') || ' ' || new.text);
       END""",
    """CREATE TRIGGER IF NOT EXISTS statuses_fts_update AFTER UPDATE OF text, spoiler_text, deleted_at ON statuses
       BEGIN
         DELETE FROM statuses_fts WHERE rowid = old.id;
         INSERT INTO statuses_fts(rowid, body)
           SELECT new.id, coalesce(new.spoiler_text, '') || ' ' || new.text
           WHERE new.reblog_of_id IS NULL AND new.deleted_at IS NULL;
       END""",
    """CREATE TRIGGER IF NOT EXISTS statuses_fts_delete AFTER DELETE ON statuses BEGIN
         DELETE FROM statuses_fts WHERE rowid = old.id;
       END""",
]
_PG_DOCUMENT = "to_tsvector('simple', coalesce(spoiler_text, '') || ' ' || coalesce(text, ''))"
_MYSQL_INDEX = "ft_statuses_text"


def install(connection: Connection) -> None:
    """Create the backend's full-text structures if missing (the initial migration runs it)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        fresh = connection.execute(text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'statuses_fts'")).scalar() == 0
        for statement in _SQLITE_DDL:
            connection.execute(text(statement))
        if fresh:  # index what was written before the table existed
            connection.execute(text(
                "INSERT INTO statuses_fts(rowid, body) SELECT id, coalesce(spoiler_text, '') || ' ' || text "
                "FROM statuses WHERE reblog_of_id IS NULL AND deleted_at IS NULL"))
    elif dialect == "postgresql":
        connection.execute(text(
            f"CREATE INDEX IF NOT EXISTS ix_statuses_fulltext ON statuses USING gin ({_PG_DOCUMENT})"))
    elif dialect in ("mysql", "mariadb"):
        present = connection.execute(text(
            "SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE() "
            "AND table_name = 'statuses' AND index_name = :name"), {"name": _MYSQL_INDEX}).scalar()
        if not present:
            connection.execute(text(f"ALTER TABLE statuses ADD FULLTEXT INDEX {_MYSQL_INDEX} (text, spoiler_text)"))


_installed: weakref.WeakSet[Engine] = weakref.WeakSet()
_install_lock = threading.Lock()


def ensure_installed(engine: Engine) -> None:
    """Install once per engine before the first search. The initial migration normally did it
    already; this covers databases whose schema was built another way."""
    if engine in _installed:
        return
    with _install_lock:
        if engine not in _installed:
            with engine.begin() as connection:
                install(connection)
            _installed.add(engine)


def terms(q: str) -> list[str]:
    return list(dict.fromkeys(t.lower() for t in WORD_RE.findall(q)))[:MAX_TERMS]


def _sqlite(session: Session, words: list[str], account_id: int | None, limit: int) -> list[int]:
    match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
    sql = ("SELECT s.id FROM statuses_fts f JOIN statuses s ON s.id = f.rowid "
           "WHERE statuses_fts MATCH :match AND s.deleted_at IS NULL"
           + (" AND s.account_id = :account_id" if account_id is not None else "")
           + " ORDER BY s.id DESC LIMIT :limit")
    return list(session.scalars(text(sql), {"match": match, "account_id": account_id, "limit": limit}))


def _postgresql(session: Session, words: list[str], account_id: int | None, limit: int) -> list[int]:
    sql = (f"SELECT id FROM statuses WHERE {_PG_DOCUMENT} @@ plainto_tsquery('simple', :q) "
           "AND deleted_at IS NULL AND reblog_of_id IS NULL"
           + (" AND account_id = :account_id" if account_id is not None else "")
           + " ORDER BY id DESC LIMIT :limit")
    return list(session.scalars(text(sql), {"q": " ".join(words), "account_id": account_id, "limit": limit}))


def _mysql(session: Session, words: list[str], account_id: int | None, limit: int) -> list[int]:
    against = " ".join("+" + w for w in words)
    sql = ("SELECT id FROM statuses WHERE MATCH(text, spoiler_text) AGAINST (:against IN BOOLEAN MODE) "
           "AND deleted_at IS NULL AND reblog_of_id IS NULL"
           + (" AND account_id = :account_id" if account_id is not None else "")
           + " ORDER BY id DESC LIMIT :limit")
    return list(session.scalars(text(sql), {"against": against, "account_id": account_id, "limit": limit}))


_BACKENDS = {"sqlite": _sqlite, "postgresql": _postgresql, "mysql": _mysql, "mariadb": _mysql}


def status_ids(session: Session, *, q: str, limit: int, account_id: int | None = None) -> list[int]:
    """Ids of live original statuses containing every word of ``q``, newest first."""
    words = terms(q)
    if not words:
        return []
    engine = session.get_bind()
    ensure_installed(engine)
    return _BACKENDS[engine.dialect.name](session, words, account_id, limit)


def _like_prefix(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").lower() + "%"


def accounts(session: Session, *, q: str, limit: int, offset: int = 0,
             followed_by: int | None = None) -> list[Account]:
    """Accounts whose username or display name starts with ``q`` (exact username first)."""
    name = q.strip().lstrip("@").split("@")[0]
    if not name:
        return []
    pattern = _like_prefix(name)
    query = select(Account).where(Account.suspended_at.is_(None), or_(
        func.lower(Account.username).like(pattern, escape="\\"),
        func.lower(Account.display_name).like(pattern, escape="\\")))
    if followed_by is not None:
        query = query.where(Account.id.in_(select(Follow.target_account_id).where(Follow.account_id == followed_by)))
    exact = func.lower(Account.username) == name.lower()
    query = query.order_by(exact.desc(), Account.followers_count.desc(), Account.id)
    return list(session.scalars(query.offset(offset).limit(limit)))


def hashtags(session: Session, *, q: str, limit: int, offset: int = 0) -> list[str]:
    name = q.strip().lstrip("#").lower()
    if not name or not WORD_RE.fullmatch(name):
        return []
    query = (select(Tag.name).where(Tag.name.like(_like_prefix(name), escape="\\"))
             .order_by((Tag.name == name).desc(), func.length(Tag.name), Tag.name))
    return list(session.scalars(query.offset(offset).limit(limit)))
