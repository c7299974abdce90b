"""Downloads: the learner's own certificate (PDF, credential), staff in scope; others 404."""

from __future__ import annotations

import json
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
