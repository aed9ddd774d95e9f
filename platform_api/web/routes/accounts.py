"""Profiles, with follow / block / mute (and their undo) for the signed-in user."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from platform_api.web.own_api import ApiCallFailed
from platform_api.web.pages import Api, Me, render

router = APIRouter(prefix="/web", include_in_schema=False)

VERBS = ("follow", "unfollow", "block", "unblock", "mute", "unmute")


@router.get("/@{acct}")
async def profile(request: Request, api: Api, me: Me, acct: str):
    account = await api.get("/api/v1/accounts/lookup", acct=acct)
    statuses = await api.get(f"/api/v1/accounts/{account['id']}/statuses", limit=20)
    relationship = None
    if account["id"] != me["id"]:
        relationship = (await api.get("/api/v1/accounts/relationships", id=account["id"]))[0]
    return render(request, "profile.html", account=account, statuses=statuses, relationship=relationship)


@router.post("/accounts/{account_id}/{verb}")
async def relate(request: Request, api: Api, me: Me, account_id: int, verb: str):
    if verb not in VERBS:
        raise ApiCallFailed(404, "Record not found")
    await api.post(f"/api/v1/accounts/{account_id}/{verb}")
    account = await api.get(f"/api/v1/accounts/{account_id}")
    return RedirectResponse(f"/web/@{account['acct']}", status_code=303)
