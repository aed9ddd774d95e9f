"""Direct messages: conversations, and a composer that sends a direct post to someone."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from platform_api.web.pages import Api, Me, render

router = APIRouter(prefix="/web", include_in_schema=False)


@router.get("/conversations")
async def conversations(request: Request, api: Api, me: Me):
    return render(request, "conversations.html", conversations=await api.get("/api/v1/conversations"))


@router.post("/conversations")
async def send_direct(request: Request, api: Api, me: Me):
    """Mastodon's direct messages are posts with ``direct`` visibility that mention the recipient."""
    form = await request.form()
    recipient = (form.get("to") or "").strip().lstrip("@")
    text = f"@{recipient} {form.get('status') or ''}".strip() if recipient else form.get("status") or ""
    await api.post("/api/v1/statuses", data={"status": text, "visibility": "direct"})
    return RedirectResponse("/web/conversations", status_code=303)
