"""Downloads: the learner's own certificate (PDF, credential), staff in scope; others 404."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from yachay.accounts.models import Role
from yachay.learning.tests.conftest import learning, live  # noqa: F401


def test_the_learner_lists_and_downloads_their_certificate(client: Any, issued: Any) -> None:
    client.force_login(issued.user)
    page = client.get("/mi-aprendizaje/certificados/").content.decode()
    assert f"/mi-aprendizaje/certificados/{issued.code}.pdf" in page
    assert f"/verificar/{issued.code}/" in page
    response = client.get(f"/mi-aprendizaje/certificados/{issued.code}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    again = client.get(f"/mi-aprendizaje/certificados/{issued.code.lower()}.pdf")
    assert again.content == response.content  # rendered on demand, the same every time
    credential = client.get(f"/mi-aprendizaje/certificados/{issued.code}.json")
    assert json.loads(credential.content) == issued.credential
    assert all("no-store" in r["Cache-Control"] for r in (response, credential))


def test_another_learners_code_is_not_found(client: Any, issued: Any, live: Any) -> None:  # noqa: F811
    client.force_login(live.learners[1])
    for kind in ("pdf", "json"):
        assert client.get(f"/mi-aprendizaje/certificados/{issued.code}.{kind}").status_code == 404
    assert client.get("/mi-aprendizaje/certificados/ZZZZ-ZZZZ-ZZ.pdf").status_code == 404
    assert issued.code not in client.get("/mi-aprendizaje/certificados/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client: Any, issued: Any) -> None:
    response = client.get(f"/mi-aprendizaje/certificados/{issued.code}.pdf")
    assert response.status_code == 302 and "/entrar/" in response["Location"]


@pytest.mark.parametrize(
    ("who", "status"), [("admin", 200), ("instructor", 404), ("coordinator", 404)]
)
def test_staff_download_from_the_admin_in_scope(
    client: Any, issued: Any, users: Any, who: str, status: int
) -> None:
    user = users[who]
    if who == "coordinator":
        user.departments = ["Amazonas"]  # not the learner's
        user.save()
    client.force_login(user)
    assert client.get(f"/certificados/{issued.code}.pdf").status_code == status


def test_a_coordinator_of_the_learners_department_downloads(
    client: Any, issued: Any, users: Any
) -> None:
    coordinator = users["coordinator"]
    assert coordinator.role == Role.COORDINATOR
    coordinator.departments = [issued.enrollment.application.department]
    coordinator.save()
    client.force_login(coordinator)
    assert client.get(f"/certificados/{issued.code}.json").status_code == 200


def test_the_admin_page_links_the_downloads(client: Any, issued: Any, users: Any) -> None:
    client.force_login(users["admin"])
    page = client.get(f"/admin/certificates/certificate/{issued.pk}/change/").content.decode()
    assert f"/certificados/{issued.code}.pdf" in page


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_logos_are_checked_on_upload_and_printed(
    client: Any, issued: Any, settings: Any, tmp_path: Any
) -> None:
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yachay.certificates.models import Issuer

    settings.MEDIA_ROOT = tmp_path / "media"
    issuer = Issuer.objects.get()
    issuer.logo = SimpleUploadedFile("logo.exe", b"MZ not an image")
    with pytest.raises(ValidationError):
        issuer.full_clean()
    issuer.logo = SimpleUploadedFile("logo.png", PNG)
    issuer.full_clean()
    issuer.save()
    client.force_login(issued.user)
    with_logo = client.get(f"/mi-aprendizaje/certificados/{issued.code}.pdf")
    assert with_logo.status_code == 200 and with_logo.content.startswith(b"%PDF")
    # A logo file gone from the disk: the certificate is printed with the name alone.
    Path(issuer.logo.path).unlink()
    assert client.get(f"/mi-aprendizaje/certificados/{issued.code}.pdf").status_code == 200
