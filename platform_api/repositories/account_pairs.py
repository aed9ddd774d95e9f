"""SQL shared by the (account → target account) tables: follows, follow requests, blocks,
mutes, suggestion dismissals. Lists of them (followers, blocks, …) page by the pair row's
id, as Mastodon pages them by the relationship's id, not the account's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from platform_api.ids import utcnow
from platform_api.tables import Account, Mute


@dataclass(frozen=True)
class PairPage:
    """One page of a relationship list: the pair rows and the accounts they point at, newest first."""

    rows: list
    accounts: list[Account]

    @property
    def ids(self) -> list[int]:
        return [r.id for r in self.rows]


def find(session: Session, model, *, account_id: int, target_account_id: int):
    return session.scalar(select(model).where(model.account_id == account_id,
                                              model.target_account_id == target_account_id))


def remove(session: Session, model, *, account_id: int, target_account_id: int) -> bool:
    result = session.execute(delete(model).where(model.account_id == account_id,
                                                 model.target_account_id == target_account_id))
    return result.rowcount > 0


def page(session: Session, model, *, owner_id: int, outgoing: bool, max_id: int | None = None,
         since_id: int | None = None, min_id: int | None = None, limit: int = 40, extra_where=()) -> PairPage:
    """Rows of ``model`` owned by ``owner_id`` with the account on the other side.

    ``outgoing``: the owner is ``account_id`` and the listed account the target (whom I
    follow/block/mute); otherwise the owner is the target and the listed account the actor
    (who follows me, who asks to). Suspended accounts are left out."""
    mine, theirs = ((model.account_id, model.target_account_id) if outgoing
                    else (model.target_account_id, model.account_id))
    query = (select(model, Account).join(Account, Account.id == theirs)
             .where(mine == owner_id, Account.suspended_at.is_(None), *extra_where))
    if max_id is not None:
        query = query.where(model.id < max_id)
    if since_id is not None:
        query = query.where(model.id > since_id)
    if min_id is not None:
        rows = session.execute(query.where(model.id > min_id).order_by(model.id.asc()).limit(limit)).all()[::-1]
    else:
        rows = session.execute(query.order_by(model.id.desc()).limit(limit)).all()
    return PairPage([r[0] for r in rows], [r[1] for r in rows])


def count_incoming(session: Session, model, *, target_account_id: int) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.target_account_id == target_account_id))


def mutes_page(session: Session, *, owner_id: int, **cursor) -> PairPage:
    """The owner's mutes that have not expired."""
    unexpired = or_(Mute.expires_at.is_(None), Mute.expires_at > utcnow())
    return page(session, Mute, owner_id=owner_id, outgoing=True, extra_where=(unexpired,), **cursor)
