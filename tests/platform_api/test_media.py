"""Media uploads on the real app: images are judged by their bytes, cleaned of metadata,
previewed and blurhashed; sizes, corrupt files, decompression bombs and lying types are
clear 4xx answers; videos are 202 / 206 until processed; files are served under /media."""

from __future__ import annotations

import io

import blurhash
from PIL import Image, PngImagePlugin

from platform_api.db import session_scope
from platform_api.media_store import media_store
from platform_api.services.process_media import ProcessMedia
from platform_api.services.upload_media import UploadMedia
from platform_api.tables import Account

VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(4096)


def register(client, username: str) -> dict:
    app = client.post("/api/v1/apps", data={"client_name": "t", "scopes": "read write"}).json()
    token = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": app["client_id"],
                                              "client_secret": app["client_secret"], "scope": "read write"}).json()
    response = client.post("/api/v1/accounts", headers={"Authorization": f"Bearer {token['access_token']}"},
                           data={"username": username, "email": f"{username}@example.org",
                                 "password": "correct horse battery", "agreement": "true"})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def upload(client, headers, data: bytes, mime: str, name: str = "upload", version: int = 2, **fields):
    return client.post(f"/api/v{version}/media", headers=headers, files={"file": (name, data, mime)}, data=fields)


def image_bytes(fmt: str, size=(640, 480), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (255, 0, 0) if mode == "RGB" else 0).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    """640x480, red left half and blue right half, EXIF camera, GPS and orientation 6 (rotate 90° clockwise)."""
    image = Image.new("RGB", (640, 480), (255, 0, 0))
    image.paste((0, 0, 255), (320, 0, 640, 480))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def stored(settings, url: str) -> bytes:
    return media_store(settings).get(url.split("/media/", 1)[1])


def test_images_are_cleaned_previewed_and_served(client, settings):
    ana = register(client, "ana")
    response = upload(client, ana, jpeg_with_exif(), "image/jpeg", description="two colours", focus="-0.5,0.25")
    assert response.status_code == 200, response.text
    media = response.json()
    original = stored(settings, media["url"])
    assert b"SecretCam" not in original
    with Image.open(io.BytesIO(original)) as saved:
        assert saved.size == (480, 640) and not saved.getexif()  # turned upright, then stripped
        assert saved.convert("RGB").getpixel((240, 20))[0] > 200  # red is now on top
    assert media["meta"]["original"] == {"width": 480, "height": 640, "size": "480x640", "aspect": 0.75}
    assert media["meta"]["small"]["height"] == 400 and media["meta"]["focus"] == {"x": -0.5, "y": 0.25}
    assert blurhash.is_valid_blurhash(media["blurhash"])
    with Image.open(io.BytesIO(stored(settings, media["preview_url"]))) as preview:
        assert preview.format == "JPEG" and max(preview.size) == 400

    served = client.get(media["url"].replace("http://127.0.0.1:8000", ""))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.content == original
    assert client.get("/media/../agora.db").status_code == 404

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address")
    png = upload(client, ana, image_bytes("PNG", mode="RGBA", pnginfo=info), "image/png", version=1).json()
    assert b"home address" not in stored(settings, png["url"]) and png["url"].endswith(".png")
    webp = upload(client, ana, image_bytes("WEBP"), "application/octet-stream").json()  # generic type: fine
    assert webp["url"].endswith(".webp")
    frames = [Image.new("RGB", (60, 40), (i * 80, 0, 0)) for i in range(3)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    animated = upload(client, ana, gif.getvalue(), "image/gif").json()
    with Image.open(io.BytesIO(stored(settings, animated["url"]))) as saved:
        assert saved.n_frames == 3


UNTRUSTWORTHY = [  # (bytes, declared type, answer, words in the error)
    (b"definitely not a picture", "image/jpeg", 422, "not a supported image"),
    (image_bytes("JPEG")[:600], "image/jpeg", 422, "corrupt"),
    (image_bytes("PNG"), "image/jpeg", 422, "is image/png but was sent as image/jpeg"),
    (image_bytes("JPEG"), "video/mp4", 422, "sent as video/mp4"),
    (VIDEO, "image/png", 422, "is video/mp4 but was sent as image/png"),
    (image_bytes("PNG", size=(5000, 5000), mode="1"), "image/png", 422, "pixels"),
    (image_bytes("PNG", size=(20000, 20000), mode="1"), "image/png", 422, "decompression bomb"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/svg+xml", 422, "not a supported image"),
]


def test_untrustworthy_uploads_are_clear_422s(client):
    ana = register(client, "ana")
    for payload, mime, status, words in UNTRUSTWORTHY:
        response = upload(client, ana, payload, mime)
        assert response.status_code == status and words in response.json()["error"], (mime, response.text)


def test_size_limits_and_editing(client, settings):
    ana, bo = register(client, "ana"), register(client, "bo")
    settings.max_media_bytes = 20_000
    too_big = upload(client, ana, image_bytes("PNG", size=(400, 400), optimize=False, compress_level=0), "image/png")
    assert too_big.status_code == 413 and "too large" in too_big.json()["error"]
    assert upload(client, ana, b"", "image/png").status_code == 422
    assert client.post("/api/v2/media", headers=ana, data={"file": "just text"}).status_code == 422

    media = upload(client, ana, image_bytes("JPEG", size=(40, 30)), "image/jpeg").json()
    edited = client.put(f"/api/v1/media/{media['id']}", headers=ana, data={"description": "alt", "focus": "0,1"})
    assert edited.status_code == 200 and edited.json()["description"] == "alt"
    assert edited.json()["meta"]["focus"] == {"x": 0.0, "y": 1.0}
    assert client.put(f"/api/v1/media/{media['id']}", headers=ana, data={"focus": "2,0"}).status_code == 422
    assert client.put(f"/api/v1/media/{media['id']}", headers=bo, data={"description": "x"}).status_code == 404
    assert client.get(f"/api/v1/media/{media['id']}", headers=bo).status_code == 404
    client.post("/api/v1/statuses", headers=ana, data={"status": "with it", "media_ids[]": media["id"]})
    assert client.put(f"/api/v1/media/{media['id']}", headers=ana, data={"description": "y"}).status_code == 404
    reused = client.post("/api/v1/statuses", headers=ana, data={"status": "again", "media_ids[]": media["id"]})
    assert reused.status_code == 422


def test_videos_are_accepted_then_processed(client, settings):
    ana = register(client, "ana")
    with session_scope(settings) as session:  # what the 202 answer leaves behind, before the worker runs
        account = session.get(Account, int(client.get("/api/v1/accounts/verify_credentials", headers=ana).json()["id"]))
        pending = UploadMedia(session, settings, media_store(settings))(account, data=VIDEO, declared_type="video/mp4")
    waiting = client.get(f"/api/v1/media/{pending.id}", headers=ana)
    assert waiting.status_code == 206 and waiting.json()["url"] is None and waiting.json()["type"] == "video"
    refused = client.post("/api/v1/statuses", headers=ana, data={"status": "too soon", "media_ids[]": str(pending.id)})
    assert refused.status_code == 422 and "processing" in refused.json()["error"]
    with session_scope(settings) as session:
        ProcessMedia(session, settings)(pending.id)
    ready = client.get(f"/api/v1/media/{pending.id}", headers=ana)
    assert ready.status_code == 200 and ready.json()["url"].endswith(".mp4")
    assert ready.json()["preview_url"].endswith("small.jpg") and ready.json()["blurhash"]

    accepted = upload(client, ana, VIDEO, "video/mp4")
    assert accepted.status_code == 202 and accepted.json()["url"] is None
    assert upload(client, ana, VIDEO, "video/mp4", version=1).json()["url"].endswith(".mp4")  # v1 waits
    webm = upload(client, ana, b"\x1a\x45\xdf\xa3" + bytes(512), "video/webm")
    assert webm.status_code == 202
