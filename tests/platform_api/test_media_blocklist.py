"""The media blocklist end to end on the real app: moderators block an image (by upload, by
attachment or by hash), near-duplicates of it (resized, recompressed, cropped, brightened) are
refused at upload while unrelated images pass, a post removed for cause blocks its images,
and only staff with admin scopes may touch the list."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageEnhance
from sqlalchemy import select

from platform_api.db import create_schema, session_scope
from platform_api.moderation.media_hash import hamming_distances, parse_hash, phash
from platform_api.services.issue_token import IssueToken
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import MediaBlock, OutboxEvent


def picture(seed: int, size=(480, 360)) -> Image.Image:
    """A smooth random scene (upsampled noise plus a few discs): photo-like low frequencies."""
    rng = np.random.default_rng(seed)
    coarse = (rng.random((6, 8, 3)) * 255).astype(np.uint8)
    image = Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)
    pixels = np.asarray(image).copy()
    yy, xx = np.mgrid[:size[1], :size[0]]
    for _ in range(4):
        cx, cy, r = rng.integers(0, size[0]), rng.integers(0, size[1]), rng.integers(20, 90)
        pixels[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = rng.integers(0, 256, size=3)
    return Image.fromarray(pixels)


def encode(image: Image.Image, fmt: str = "PNG", **save) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def near_copies(image: Image.Image) -> dict[str, bytes]:
    w, h = image.size
    return {
        "resized+jpeg": encode(image.resize((w // 2, h // 2)), "JPEG", quality=70),
        "cropped": encode(image.crop((int(w * .03), int(h * .03), int(w * .97), int(h * .97))), "JPEG", quality=85),
        "brightened": encode(ImageEnhance.Brightness(image).enhance(1.15), "PNG"),
    }


def accounts(settings) -> dict[str, dict]:
    create_schema(settings)
    headers = {}
    with session_scope(settings) as s:
        for name, role, scopes in (("mod", "moderator", "read write admin:read admin:write"),
                                   ("modplain", "moderator", "read write"),
                                   ("ann", "user", "read write admin:read admin:write"),
                                   ("ben", "user", "read write")):
            account = RegisterAccount(s)(username=name, email=f"{name}@example.org", password="not-checked",
                                         password_hash="unused", role=role)
            secret, _ = IssueToken(s)(application=None, account=account, scopes=scopes)
            headers[name] = {"Authorization": f"Bearer {secret}"}
    return headers


def upload(client, headers, data: bytes, mime: str = "image/png"):
    return client.post("/api/v2/media", headers=headers, files={"file": ("x", data, mime)})


def test_phash_is_robust_to_near_copies_and_tells_pictures_apart():
    original = phash(picture(1))
    copies = [phash(Image.open(io.BytesIO(data))) for data in near_copies(picture(1)).values()]
    others = np.array([parse_hash(phash(picture(seed))) for seed in range(2, 12)], dtype=np.uint64)
    assert max(hamming_distances(np.array([parse_hash(c) for c in copies], dtype=np.uint64),
                                 parse_hash(original))) <= 10
    assert min(hamming_distances(others, parse_hash(original))) > 16


def test_blocked_image_and_its_near_copies_are_refused(client, settings):
    h = accounts(settings)
    original = picture(1)
    first = upload(client, h["ben"], encode(original))
    assert first.status_code == 200, first.text

    block = client.post("/api/v1/admin/media_blocks", headers=h["mod"], data={"media_id": first.json()["id"],
                                                                                "note": "known bad"})
    assert block.status_code == 200, block.text
    assert block.json()["note"] == "known bad" and len(block.json()["hash"]) == 16

    for name, data in near_copies(original).items():
        refused = upload(client, h["ben"], data, "image/jpeg" if name != "brightened" else "image/png")
        assert refused.status_code == 422, name
        assert "matches media removed by the moderators" in refused.json()["error"]
    assert upload(client, h["ben"], encode(picture(2))).status_code == 200

    listed = client.get("/api/v1/admin/media_blocks", headers=h["mod"]).json()
    assert [b["id"] for b in listed] == [block.json()["id"]]
    assert client.delete(f"/api/v1/admin/media_blocks/{block.json()['id']}", headers=h["mod"]).status_code == 200
    assert upload(client, h["ben"], near_copies(original)["resized+jpeg"], "image/jpeg").status_code == 200
    with session_scope(settings) as s:
        kinds = [e.payload for e in s.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "moderation.action"))]
    assert len(kinds) == 2 and '"media_block"' in kinds[0] and '"media_unblock"' in kinds[1]


def test_block_by_file_or_hash_and_bad_input(client, settings):
    h = accounts(settings)
    by_file = client.post("/api/v1/admin/media_blocks", headers=h["mod"],
                          files={"file": ("bad.png", encode(picture(3)), "image/png")})
    assert by_file.status_code == 200, by_file.text
    assert upload(client, h["ben"], near_copies(picture(3))["cropped"], "image/jpeg").status_code == 422

    by_hash = client.post("/api/v1/admin/media_blocks", headers=h["mod"], json={"hash": phash(picture(4)).upper()})
    assert by_hash.status_code == 200 and by_hash.json()["hash"] == phash(picture(4))
    again = client.post("/api/v1/admin/media_blocks", headers=h["mod"], json={"hash": phash(picture(4))})
    assert again.json()["id"] == by_hash.json()["id"]  # idempotent
    assert upload(client, h["ben"], near_copies(picture(4))["brightened"]).status_code == 422

    post = lambda **kw: client.post("/api/v1/admin/media_blocks", headers=h["mod"], **kw)  # noqa: E731
    assert post(json={}).status_code == 422
    assert post(json={"hash": "xyz"}).status_code == 422
    assert post(json={"hash": "0" * 16, "media_id": 1}).status_code == 422
    assert post(json={"media_id": "not-a-number"}).status_code == 422
    assert post(json={"media_id": 123456}).status_code == 404
    assert post(files={"file": ("a.png", b"not an image", "image/png")}).status_code == 422
    assert post(json={"hash": "0" * 16, "note": "x" * 1001}).status_code == 422
    assert client.delete("/api/v1/admin/media_blocks/999999", headers=h["mod"]).status_code == 404

    for who in ("ann", "ben", "modplain"):  # a user (even with admin scopes), or staff without them
        assert client.get("/api/v1/admin/media_blocks", headers=h[who]).status_code == 403
        assert client.post("/api/v1/admin/media_blocks", headers=h[who], json={"hash": "0" * 16}).status_code == 403
        assert client.delete(f"/api/v1/admin/media_blocks/{by_hash.json()['id']}", headers=h[who]).status_code == 403
    assert client.get("/api/v1/admin/media_blocks").status_code == 401


def test_removing_a_post_for_cause_blocks_its_images(client, settings):
    h = accounts(settings)
    original = picture(5)
    media_id = upload(client, h["ben"], encode(original)).json()["id"]
    status = client.post("/api/v1/statuses", headers=h["ben"], json={"status": "look", "media_ids": [media_id]})
    assert status.status_code == 200, status.text
    report = client.post("/api/v1/reports", headers=h["ann"], json={"account_id": status.json()["account"]["id"],
                                                                    "status_ids": [status.json()["id"]]})
    assert report.status_code == 200, report.text
    decided = client.post(f"/api/v1/admin/reports/{report.json()['id']}/decide", headers=h["mod"],
                          json={"action": "delete", "text": "gore"})
    assert decided.status_code == 200, decided.text

    with session_scope(settings) as s:
        blocks = list(s.scalars(select(MediaBlock)))
    assert [(str(b.media_attachment_id), str(b.status_id), b.note) for b in blocks] == [
        (media_id, status.json()["id"], "gore")]
    for name, data in near_copies(original).items():
        assert upload(client, h["ann"], data, "image/png" if name == "brightened" else "image/jpeg").status_code == 422
