"""Finding people and posts: search, trends, hashtag timelines and follow suggestions with
their reasons."""

from __future__ import annotations

from fastapi import APIRouter, Request

from platform_api.web.pages import Api, Me, render

router = APIRouter(prefix="/web", include_in_schema=False)


@router.get("/search")
async def search(request: Request, api: Api, me: Me, q: str = ""):
    results = await api.get("/api/v2/search", q=q, limit=20) if q.strip() else None
    return render(request, "search.html", q=q, results=results)


@router.get("/trends")
async def trends(request: Request, api: Api, me: Me):
    return render(request, "trends.html", tags=await api.get("/api/v1/trends/tags"),
                  statuses=await api.get("/api/v1/trends/statuses"))


@router.get("/tags/{name}")
async def tag(request: Request, api: Api, me: Me, name: str):
    return render(request, "tag.html", name=name, statuses=await api.get(f"/api/v1/timelines/tag/{name}"))


@router.get("/suggestions")
async def suggestions(request: Request, api: Api, me: Me):
    return render(request, "suggestions.html", suggestions=await api.get("/api/v2/suggestions", limit=20))
