"""The own profile (update_credentials and its images) and account lists over the real app."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image

from platform_api.db import session_scope
from platform_api.errors import ApiError
from platform_api.profile_images import prepare_profile_image
from platform_api.services.issue_token import IssueToken
from platform_api.services.register_account import RegisterAccount


def encoded(fmt: str, size=(64, 48), mode="RGB", **save) -> bytes:
    out = BytesIO()
    Image.new(mode, size, (10, 200, 30, 128)[: len(mode)]).save(out, fmt, **save)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions (a decompression bomb's header) with no real pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


def test_profile_images_are_judged_by_content_and_re_encoded_bare(settings):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    jpeg = prepare_profile_image(encoded("JPEG", exif=exif.tobytes()), "avatar", settings)
    with Image.open(BytesIO(jpeg.data)) as out:
        assert (out.format, out.size, jpeg.content_type) == ("JPEG", (400, 400), "image/jpeg")
        assert not out.getexif()
    header = prepare_profile_image(encoded("PNG", mode="RGBA"), "header", settings)
    with Image.open(BytesIO(header.data)) as out:
        assert (out.format, out.size, out.mode, header.extension) == ("PNG", (1500, 500), "RGBA", "png")
    assert prepare_profile_image(encoded("GIF", mode="P"), "avatar", settings).extension in ("jpg", "png")
    assert prepare_profile_image(encoded("WEBP"), "avatar", settings).extension == "jpg"

    for raw in (b"GIF89a but not really", b"<svg xmlns='http://www.w3.org/2000/svg'/>", encoded("BMP"),
                encoded("PNG")[:40]):
        with pytest.raises(ApiError, match="not a supported image"):
            prepare_profile_image(raw, "avatar", settings)
    for width, height in ((5_000, 5_000), (20_000, 20_000)):  # over our limit; over Pillow's too
        with pytest.raises(ApiError, match="more than"):
            prepare_profile_image(png_header_only(width, height), "avatar", settings)
    small = settings.model_copy(update={"max_media_bytes": 100})
    with pytest.raises(ApiError, match="larger than 100 bytes"):
        prepare_profile_image(encoded("PNG", size=(300, 300)), "avatar", small)


def bearer(settings, username: str, scopes: str = "read write follow") -> tuple[dict, int]:
    with session_scope(settings) as s:
        account = RegisterAccount(s)(username=username, email=f"{username}@example.org", password="not-checked",
                                     password_hash="unused")
        secret, _ = IssueToken(s)(application=None, account=account, scopes=scopes)
        return {"Authorization": f"Bearer {secret}"}, account.id


def test_update_credentials_validates_and_replaces_images(client, settings):
    ann, _ = bearer(settings, "ann")
    changed = client.patch("/api/v1/accounts/update_credentials", json={"display_name": "Ann", "locked": True},
                           headers=ann)
    assert changed.status_code == 200 and changed.json()["locked"] is True
    assert changed.json()["source"]["follow_requests_count"] == 0
    for body, message in (({"note": "n" * 501}, "note is too long"), ({"locked": "perhaps"}, "locked"),
                          ({"avatar": "not a file"}, "must be a file")):
        response = client.patch("/api/v1/accounts/update_credentials", data=body, headers=ann)
        assert response.status_code == 422 and message in response.json()["error"], response.text
    first = client.patch("/api/v1/accounts/update_credentials", headers=ann,
                         files={"avatar": ("a.png", encoded("PNG"), "image/png")}).json()["avatar"]
    second = client.patch("/api/v1/accounts/update_credentials", headers=ann,
                          files={"avatar": ("b.gif", encoded("JPEG"), "image/gif")}).json()["avatar"]
    first_file, second_file = (settings.media_dir / url.split("/media/", 1)[1] for url in (first, second))
    assert first != second and second_file.is_file() and not first_file.exists()  # the old file goes
    reader, _ = bearer(settings, "ben", scopes="read")
    assert client.patch("/api/v1/accounts/update_credentials", json={"bot": True}, headers=reader).status_code == 403


def test_follow_lists_page_with_link_headers_and_hide_from_blocked_viewers(client, settings):
    star, star_id = bearer(settings, "star")
    fans = [bearer(settings, f"fan{i}") for i in range(3)]
    for headers, _ in fans:
        assert client.post(f"/api/v1/accounts/{star_id}/follow", headers=headers).status_code == 200
    page = client.get(f"/api/v1/accounts/{star_id}/followers", params={"limit": 2})
    assert [a["username"] for a in page.json()] == ["fan2", "fan1"]
    next_url = page.headers["link"].split(">; rel=\"next\"")[0].lstrip("<")
    assert [a["username"] for a in client.get(next_url).json()] == ["fan0"]
    assert len(client.get(f"/api/v1/accounts/{star_id}/followers", params={"limit": 1000}).json()) == 3
    assert client.get(f"/api/v1/accounts/{fans[0][1]}/following").json()[0]["username"] == "star"

    assert client.post(f"/api/v1/accounts/{fans[2][1]}/block", headers=star).json()["blocking"] is True
    assert client.get(f"/api/v1/accounts/{star_id}/followers", headers=fans[2][0]).json() == []
    assert [a["username"] for a in client.get(f"/api/v1/accounts/{star_id}/followers").json()] == ["fan1", "fan0"]
    response = client.post(f"/api/v1/accounts/{star_id}/mute", data={"duration": "-1"}, headers=fans[0][0])
    assert response.status_code == 422 and "duration" in response.json()["error"]
    assert client.post("/api/v1/accounts/1/block", headers=star).status_code == 404
    assert client.post(f"/api/v1/accounts/{star_id}/block", headers=star).status_code == 422
