"""SQL for reports."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.tables import Report


def status_ids_of(report: Report) -> list[int]:
    return [int(i) for i in json.loads(report.status_ids or "[]")]


def get(session: Session, *, report_id: int) -> Report | None:
    return session.get(Report, report_id)


def page(session: Session, *, resolved: bool = False, account_id: int | None = None,
         target_account_id: int | None = None, max_id: int | None = None, since_id: int | None = None,
         min_id: int | None = None, limit: int = 100) -> list[Report]:
    query = select(Report).where(Report.action_taken_at.is_not(None) if resolved
                                 else Report.action_taken_at.is_(None))
    if account_id is not None:
        query = query.where(Report.account_id == account_id)
    if target_account_id is not None:
        query = query.where(Report.target_account_id == target_account_id)
    if max_id is not None:
        query = query.where(Report.id < max_id)
    if since_id is not None:
        query = query.where(Report.id > since_id)
    if min_id is not None:
        return list(session.scalars(query.where(Report.id > min_id).order_by(Report.id.asc()).limit(limit)))[::-1]
    return list(session.scalars(query.order_by(Report.id.desc()).limit(limit)))


def unresolved_against(session: Session, *, target_account_id: int) -> list[Report]:
    return list(session.scalars(select(Report).where(Report.target_account_id == target_account_id,
                                                     Report.action_taken_at.is_(None))))
