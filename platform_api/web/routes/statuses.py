"""The home feed (ranked, with each post's reasons, or chronological), the composer, a post with
its replies, and the verbs on a post: like, repost, bookmark, report."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from platform_api.web.own_api import ApiCallFailed
from platform_api.web.pages import Api, Me, is_htmx, render

router = APIRouter(prefix="/web", include_in_schema=False)

VERBS = ("favourite", "unfavourite", "reblog", "unreblog", "bookmark", "unbookmark")
REPORT_CATEGORIES = {"spam": "Spam", "violation": "It breaks the server's rules", "other": "Something else"}


@router.get("/home")
async def home(request: Request, api: Api, me: Me, order: Literal["ranked", "chronological"] = "ranked"):
    feed = await api.get("/api/v1/timelines/home", order=order, limit=40)
    return render(request, "home.html", feed=feed, order=order)


async def _attach(api, form) -> list[str]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return []
    media = await api.post("/api/v2/media", data={"description": form.get("description") or ""},
                           files={"file": (upload.filename, await upload.read(), upload.content_type)})
    return [media["id"]]


@router.post("/statuses")
async def compose(request: Request, api: Api, me: Me):
    """A plain multipart form, so posting works without JavaScript too."""
    form = await request.form()
    data = {key: form.get(key) for key in ("status", "visibility", "spoiler_text", "in_reply_to_id")
            if form.get(key)}
    data["media_ids[]"] = await _attach(api, form)
    data["sensitive"] = "true" if form.get("spoiler_text") else "false"
    status = await api.post("/api/v1/statuses", data=data)
    return RedirectResponse(f"/web/statuses/{status['id']}", status_code=303)


@router.get("/statuses/{status_id}")
async def status_page(request: Request, api: Api, me: Me, status_id: int):
    status = await api.get(f"/api/v1/statuses/{status_id}")
    context = await api.get(f"/api/v1/statuses/{status_id}/context")
    return render(request, "status.html", status=status, ancestors=context["ancestors"],
                  descendants=context["descendants"])


@router.get("/statuses/{status_id}/card")
async def status_card(request: Request, api: Api, me: Me, status_id: int):
    """One post as a feed item: what the page inserts when the streaming API announces it."""
    status = await api.get(f"/api/v1/statuses/{status_id}")
    return render(request, "_status_item.html", status=status, live=True)


@router.get("/statuses/{status_id}/report")
async def report_form(request: Request, api: Api, me: Me, status_id: int):
    status = await api.get(f"/api/v1/statuses/{status_id}")
    return render(request, "report.html", status=status, categories=REPORT_CATEGORIES, sent=False)


@router.post("/statuses/{status_id}/report")
async def report(request: Request, api: Api, me: Me, status_id: int):
    form = await request.form()
    status = await api.get(f"/api/v1/statuses/{status_id}")
    await api.post("/api/v1/reports", data={"account_id": status["account"]["id"], "status_ids[]": [status["id"]],
                                            "category": form.get("category") or "other",
                                            "comment": form.get("comment") or ""})
    return render(request, "report.html", status=status, categories=REPORT_CATEGORIES, sent=True)


# Declared last: its ``{verb}`` segment would otherwise catch ``/report``.
@router.post("/statuses/{status_id}/{verb}")
async def act_on_status(request: Request, api: Api, me: Me, status_id: int, verb: str):
    if verb not in VERBS:
        raise ApiCallFailed(404, "Record not found")
    status = await api.post(f"/api/v1/statuses/{status_id}/{verb}")
    if verb == "reblog" and status.get("reblog"):
        status = status["reblog"]
    if is_htmx(request):
        return render(request, "_actions.html", status=status)
    return RedirectResponse(request.headers.get("referer") or f"/web/statuses/{status_id}", status_code=303)
