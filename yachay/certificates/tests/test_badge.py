"""The baked badge (Open Badges 3.0 baking: the credential in a PNG's iTXt chunk) and the
LinkedIn "add to profile" link on Mi aprendizaje's certificates page."""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from yachay.certificates import baking
from yachay.certificates.credential import verify_credential
from yachay.certificates.issuer import site_did_document
from yachay.certificates.models import Certificate
from yachay.certificates.services import certificate_revoke
from yachay.core.actors import SYSTEM
from yachay.learning.tests.conftest import learning, live  # noqa: F401

IMAGE = baking.BADGE_IMAGE.read_bytes()


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    return [(kind, data) for kind, data, _s, _e in baking._chunks(png)]


def test_baking_adds_one_uncompressed_itxt_chunk_and_keeps_the_image_chunks() -> None:
    text = json.dumps({"name": "Ch'aska Ñahui Quispe", "n": 1}, ensure_ascii=False)
    baked = baking.bake(IMAGE, text)
    before, after = chunks(IMAGE), chunks(baked)
    added = [c for c in after if c not in before]
    assert len(added) == 1 and added[0][0] == b"iTXt"
    # keyword, NUL, compression flag 0, method 0, empty language tag and translated keyword
    assert added[0][1] == b"openbadgecredential\0\0\0\0\0" + text.encode()
    assert [c for c in after if c != added[0]] == before
    assert after[-1][0] == b"IEND"
    assert baking.unbake(baked) == text
    # Baked again (a new credential): replaced, never two chunks.
    again = baking.bake(baked, "{}")
    assert sum(1 for kind, _ in chunks(again) if kind == b"iTXt") == 1
    assert baking.unbake(again) == "{}"
    assert baking.unbake(IMAGE) is None


def test_a_compressed_chunk_from_another_baker_is_still_read() -> None:
    text = '{"a": "ñ"}'
    data = b"openbadgecredential\0\1\0\0\0" + zlib.compress(text.encode())
    crc = struct.pack(">I", zlib.crc32(b"iTXt" + data))
    chunk = struct.pack(">I", len(data)) + b"iTXt" + data + crc
    png = IMAGE[:-12] + chunk + IMAGE[-12:]
    assert baking.unbake(png) == text


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        b"GIF89a....",
        baking.PNG_SIGNATURE,
        IMAGE[:100],
        IMAGE[:-12],
        IMAGE[:40] + b"x" + IMAGE[41:],
    ],
    ids=["empty", "gif", "signature-only", "truncated", "no-iend", "bad-crc"],
)
def test_what_is_not_a_well_formed_png_is_refused(junk: bytes) -> None:
    with pytest.raises(baking.NotAPng):
        baking.unbake(junk)
    with pytest.raises(baking.NotAPng):
        baking.bake(junk, "{}")


def test_the_learner_downloads_the_badge_and_its_credential_verifies(
    client: Any, issued: Certificate
) -> None:
    client.force_login(issued.user)
    page = client.get("/mi-aprendizaje/certificados/").content.decode()
    assert f"/mi-aprendizaje/certificados/{issued.code}.png" in page
    response = client.get(f"/mi-aprendizaje/certificados/{issued.code}.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    assert f"insignia-{issued.code}.png" in response["Content-Disposition"]
    credential = json.loads(baking.unbake(response.content) or "")
    assert credential == issued.credential
    dids = {credential["issuer"]["id"]: site_did_document()}
    assert verify_credential(credential, did_documents=dids, check_status=False).ok
    # The name changed inside the badge: the signature no longer holds.
    credential["credentialSubject"]["achievement"]["name"] = "Otra ruta"
    tampered = json.loads(
        baking.unbake(baking.bake(response.content, json.dumps(credential))) or ""
    )
    assert not verify_credential(tampered, did_documents=dids, check_status=False).ok


def test_staff_in_scope_download_the_badge_and_others_do_not(
    client: Any,
    issued: Certificate,
    live: Any,  # noqa: F811
) -> None:
    client.force_login(live.learners[1])
    assert client.get(f"/mi-aprendizaje/certificados/{issued.code}.png").status_code == 404


def test_the_linkedin_link_is_filled_with_the_certificate_and_gone_once_revoked(
    client: Any, issued: Certificate
) -> None:
    client.force_login(issued.user)
    page = client.get("/mi-aprendizaje/certificados/").content.decode()
    start = page.index('href="https://www.linkedin.com/profile/add?')
    url = page[start + 6 : page.index('"', start + 6)].replace("&amp;", "&")
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    issued_at = timezone.localtime(issued.issued_at)
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": issued.track.name,
        "organizationName": "Ministerio de la Producción",
        "issueYear": str(issued_at.year),
        "issueMonth": str(issued_at.month),
        "certUrl": f"http://testserver/verificar/{issued.code}/",
        "certId": issued.code,
    }
    certificate_revoke(certificate=issued, reason="Error de emisión", actor=SYSTEM)
    page = client.get("/mi-aprendizaje/certificados/").content.decode()
    assert "linkedin.com" not in page and issued.code in page
