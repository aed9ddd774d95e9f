"""The moderator console: the reports queue (with model scores and the rule that fired, when a
report carries them), account actions, the media hash blocklist (when the API has it), and the
model status page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from platform_api.web import model_status
from platform_api.web.own_api import ApiCallFailed
from platform_api.web.pages import Api, Staff, render

router = APIRouter(prefix="/web/admin", include_in_schema=False)

#: Console action → the API call that carries it out (Mastodon's admin account action types).
ACTIONS = {"dismiss": "Dismiss", "sensitive": "Mark sensitive", "silence": "Limit", "suspend": "Suspend"}


@router.get("")
async def console(staff: Staff):
    return RedirectResponse("/web/admin/reports", status_code=303)


@router.get("/reports")
async def reports(request: Request, api: Api, staff: Staff, done: str = ""):
    queue = await api.get("/api/v1/admin/reports")
    return render(request, "admin/reports.html", reports=queue, actions=ACTIONS, done=done)


@router.post("/reports/{report_id}/action")
async def act_on_report(request: Request, api: Api, staff: Staff, report_id: int):
    action = (await request.form()).get("action")
    if action not in ACTIONS:
        raise ApiCallFailed(422, f"Unknown action: choose one of {', '.join(ACTIONS)}")
    report = await api.get(f"/api/v1/admin/reports/{report_id}")
    if action == "dismiss":
        await api.post(f"/api/v1/admin/reports/{report_id}/resolve")
    else:  # any action but "none" resolves every open report against the account
        await api.post(f"/api/v1/admin/accounts/{report['target_account']['id']}/action",
                       data={"type": action, "report_id": str(report_id)})
    return RedirectResponse(f"/web/admin/reports?done={ACTIONS[action]}+%23{report_id}", status_code=303)


@router.get("/media_blocks")
async def media_blocks(request: Request, api: Api, staff: Staff, done: str = ""):
    blocks = await api.get_or_none("/api/v1/admin/media_blocks")
    return render(request, "admin/media_blocks.html", blocks=blocks, done=done)


@router.post("/media_blocks")
async def block_media(request: Request, api: Api, staff: Staff):
    """From an uploaded image, a typed hash, or a reported post's attachment (``media_id``)."""
    form = await request.form()
    data = {key: form.get(key) for key in ("hash", "media_id", "note") if form.get(key)}
    upload = form.get("file")
    files = None
    if isinstance(upload, UploadFile) and upload.filename:
        files = {"file": (upload.filename, await upload.read(), upload.content_type)}
    block = await api.post("/api/v1/admin/media_blocks", data=data, files=files)
    return RedirectResponse(f"/web/admin/media_blocks?done=Blocked+{block['hash']}", status_code=303)


@router.post("/media_blocks/{block_id}/delete")
async def unblock_media(api: Api, staff: Staff, block_id: int):
    await api.delete(f"/api/v1/admin/media_blocks/{block_id}")
    return RedirectResponse("/web/admin/media_blocks?done=Unblocked", status_code=303)


@router.get("/models")
async def models(request: Request, staff: Staff):
    settings = request.app.state.settings
    return render(request, "admin/models.html", served=await run_in_threadpool(model_status.served_versions, settings),
                  fallbacks=model_status.fallback_rates(), marks=model_status.pipeline_marks(settings))
