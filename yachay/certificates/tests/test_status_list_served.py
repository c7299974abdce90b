"""The served status list is signed once per revision: asking again costs no signature, a
revocation shows on the very next fetch, and an unchanged list answers 304 to its ETag."""

from __future__ import annotations

import json
from typing import Any

import pytest

from yachay.certificates import services, statuslist
from yachay.certificates.models import Certificate, StatusList
from yachay.core.actors import Actor
from yachay.learning.tests.conftest import learning, live  # noqa: F401


@pytest.fixture
def signatures(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the documents signed, in order."""
    signed: list[str] = []
    real = services.vc.sign

    def counting(document: Any, **kwargs: Any) -> Any:
        signed.append(str(document.get("id")))
        return real(document, **kwargs)

    monkeypatch.setattr(services.vc, "sign", counting)
    return signed


def url(certificate: Certificate) -> str:
    return f"/credenciales/estado/{certificate.status_list.slug}"


def bit(response: Any, index: int) -> bool:
    document = json.loads(response.content)
    return statuslist.get_bit(
        statuslist.decode(document["credentialSubject"]["encodedList"]), index
    )


def test_an_unchanged_list_is_signed_once(
    client: Any, issued: Certificate, signatures: list[str]
) -> None:
    bodies = [client.get(url(issued)).content for _ in range(4)]
    assert len(set(bodies)) == 1
    assert signatures == [f"http://testserver{url(issued)}"]


def test_a_revocation_shows_on_the_next_fetch_and_is_signed_once(
    client: Any, issued: Certificate, users: Any, signatures: list[str]
) -> None:
    assert bit(client.get(url(issued)), issued.status_index) is False
    services.certificate_revoke(
        certificate=issued, reason="Datos falsos", actor=Actor.of_user(users["admin"])
    )
    assert StatusList.objects.get().revision == 1
    assert bit(client.get(url(issued)), issued.status_index) is True
    assert bit(client.get(url(issued)), issued.status_index) is True
    assert len(signatures) == 2  # before and after the revocation, not once per request


def test_the_etag_answers_304_until_the_list_changes(
    client: Any, issued: Certificate, users: Any
) -> None:
    first = client.get(url(issued))
    etag = first["ETag"]
    assert etag and "max-age=300" in first["Cache-Control"]
    again = client.get(url(issued), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    services.certificate_revoke(
        certificate=issued, reason="Error", actor=Actor.of_user(users["admin"])
    )
    changed = client.get(url(issued), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert bit(changed, issued.status_index) is True


def test_without_a_signing_key_the_list_is_unavailable_not_an_error(
    client: Any, issued: Certificate, settings: Any, tmp_path: Any
) -> None:
    settings.YACHAY_SIGNING_KEYS_DIR = tmp_path / "none"
    settings.DEBUG = False
    assert client.get(url(issued)).status_code == 503
