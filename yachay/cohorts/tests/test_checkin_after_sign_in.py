"""A learner who scans a session's QR while signed out comes back to that session's check-in
after signing in with the emailed link; the link never leads off the site."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client

from yachay.accounts.services import login_link, safe_next
from yachay.cohorts import checkin
from yachay.cohorts.models import Attendance
from yachay.cohorts.tests.conftest import Live

pytestmark = pytest.mark.django_db


def emailed_link(client: Client, email: str, request_url: str, capture: Any) -> str:
    """Ask for a link from ``request_url`` (the sign-in page, with its ?next=), return the
    path and query of the link the email carries."""
    assert client.get(request_url).status_code == 200
    with capture(execute=True):
        assert client.post(request_url, {"email": email}).status_code == 200
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", str(mail.outbox[0].body))
    assert link
    parts = urlsplit(link.group(0))
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def test_a_learner_who_scans_the_qr_signed_out_returns_to_the_check_in_after_the_link(
    live: Live, django_capture_on_commit_callbacks: Any
) -> None:
    learner = live.learners[0]
    learner.email = "yupanqui@example.pe"
    learner.save()
    code, _left = checkin.current_code(live.session.checkin_secret, time.time())
    scanned = f"/asistencia/{live.session.pk}/?c={code}"
    phone = Client()

    to_sign_in = phone.get(scanned)
    assert to_sign_in.status_code == 302 and to_sign_in["Location"].startswith("/entrar/?next=")
    form = phone.get(to_sign_in["Location"]).content.decode()
    assert "te llevará de vuelta" in form
    hidden = f'<input type="hidden" name="next" value="/asistencia/{live.session.pk}/?c={code}">'
    assert hidden in form
    link = emailed_link(
        phone, learner.email, to_sign_in["Location"], django_capture_on_commit_callbacks
    )
    assert parse_qs(urlsplit(link).query)["next"] == [scanned]

    confirm = phone.get(link).content.decode()  # a mail scanner's GET signs no one in
    assert f'name="next" value="/asistencia/{live.session.pk}/?c={code}"' in confirm
    signed_in = phone.post(link)
    assert signed_in.status_code == 302 and signed_in["Location"] == scanned
    page = phone.get(scanned)
    assert page.status_code == 200 and f'value="{code}"' in page.content.decode()
    assert phone.post(scanned, {"code": code, "via": "qr"}).status_code == 302
    assert Attendance.objects.filter(session=live.session, enrollment__user=learner).exists()


@pytest.mark.parametrize(
    "target",
    [
        "https://malo.example/robar",
        "//malo.example/robar",
        "/\\malo.example",
        "javascript:alert(1)",
        "http:/malo.example",
        "mi-cuenta/",
        "/" + "a" * 600,
    ],
)
def test_a_next_that_leaves_the_site_is_dropped_from_the_link_and_the_redirect(
    live: Live, django_capture_on_commit_callbacks: Any, target: str
) -> None:
    learner = live.learners[1]
    learner.email = "rosa@example.pe"
    learner.save()
    assert safe_next(target) == ""
    client = Client()
    link = emailed_link(
        client,
        learner.email,
        "/entrar/?" + "&".join([f"next={target}"]),
        django_capture_on_commit_callbacks,
    )
    assert "next" not in link and "malo" not in str(mail.outbox[0].body)
    # Even a hand-made link with a bad next signs in to the learner's own page.
    response = client.post(link, {"next": target})
    assert response.status_code == 302 and response["Location"] == "/mi-cuenta/"


def test_the_link_keeps_a_path_of_this_site_with_its_query(live: Live) -> None:
    link = login_link(live.learners[0], "/aprender/curso/?a=1&b=2")
    assert link.endswith("?next=%2Faprender%2Fcurso%2F%3Fa%3D1%26b%3D2")
    assert login_link(live.learners[0], "https://malo.example/").endswith("/")
