"""Fixtures of the privacy tests: the cancellation log in a temporary file, and a learner
with a full history (application, offer, enrollment, attendance, lessons, quiz attempts,
completion, certificate, API key, second factor, session, sign-in attempts, admin log)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from yachay.accounts.models import User
from yachay.certificates.models import Certificate
from yachay.cohorts.models import Enrollment
from yachay.conftest import valid_form_data
from yachay.core.actors import SYSTEM, Actor
from yachay.core.models import SentEmail
from yachay.intake.forms import ApplicationForm
from yachay.intake.models import Application
from yachay.intake.services import application_submit
from yachay.learning.tests.conftest import (  # noqa: F401 - the fixtures, for our tests
    RIGHT,
    Learning,
    learning,
    live,
)
from yachay.programs.models import Call


@pytest.fixture(autouse=True)
def _privacy_log(settings: Any, tmp_path: Path) -> Path:
    settings.YACHAY_PRIVACY_LOG = tmp_path / "privacy" / "cancellations.jsonl"
    return settings.YACHAY_PRIVACY_LOG


#: What the history fixture's person typed and was given: none of it may survive a
#: cancellation outside the certificate (which keeps the name).
NEEDLES = {
    "dni": "41234567",
    "email": "sumaq.tupac@example.pe",
    "account_email": "sumaq.cuenta@example.pe",
    "given_names": "Sumaq Wayta",
    "paternal_surname": "Tupaqyupanki",
    "maternal_surname": "Ccorimanya",
    "phone": "+51911222333",
    "ruc": "10412345671",
    "business_name": "Artesanías Wayta",
    "accessibility_needs": "silla de ruedas Wayta",
    "username": "sumaq.wayta",
    "note": "llegó tarde por Wayta",
    "answer": "Tupaqyupanki escribe esto",
}


@dataclass
class History:
    user: User
    application: Application
    enrollment: Enrollment
    learning: Learning
    certificate: Certificate | None
    client: Client


@pytest.fixture
def history(learning: Learning, settings: Any, tmp_path: Path) -> History:  # noqa: F811
    """The learning fixture's first learner, given unique personal data and a full history."""
    from axes.models import AccessAttempt, AccessLog
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from yachay.accounts.services import api_key_create
    from yachay.certificates.keys import create_key
    from yachay.certificates.services import certificate_issue
    from yachay.cohorts.services import Mark, attendance_mark
    from yachay.learning.services import lesson_complete, quiz_submit

    settings.YACHAY_SIGNING_KEYS_DIR = tmp_path / "signing-keys"
    settings.YACHAY_SITE_URL = "http://testserver"
    create_key(settings.YACHAY_SIGNING_KEYS_DIR)

    user, enrollment = learning.learner, learning.enrollment
    n = NEEDLES
    Application.objects.filter(pk=enrollment.application_id).update(
        dni=n["dni"],
        email=n["email"],
        given_names=n["given_names"],
        paternal_surname=n["paternal_surname"],
        maternal_surname=n["maternal_surname"],
        phone=n["phone"],
        ruc=n["ruc"],
        business_name=n["business_name"],
        accessibility_needs=n["accessibility_needs"],
        ubigeo="080108",
    )
    User.objects.filter(pk=user.pk).update(
        username=n["username"],
        email=n["account_email"],
        first_name=n["given_names"],
        last_name=n["paternal_surname"],
    )
    user.refresh_from_db()
    actor = Actor.of_user(user)
    session = learning.live.session
    attendance_mark(
        session=session,
        marks=[Mark(enrollment_id=enrollment.pk, status="late", note=n["note"])],
        actor=SYSTEM,
    )
    course = learning.course
    for lesson in ("l1", "l2", "l3"):
        lesson_complete(user=user, course=course, activity_id=lesson, actor=actor)
    quiz_submit(user=user, course=course, activity_id="q1", answers={"s1": "b", "t1": False},
                actor=actor)  # fmt: skip
    quiz_submit(user=user, course=course, activity_id="q1", answers=RIGHT, actor=actor)
    quiz_submit(user=user, course=course, activity_id="final", answers=RIGHT, actor=actor)
    enrollment.refresh_from_db()
    certificate = None
    if enrollment.status == Enrollment.Status.COMPLETED:
        certificate = certificate_issue(enrollment=enrollment, actor=SYSTEM)
    # A free-text answer, as a text question would store it.
    from yachay.learning.models import QuizAttempt

    QuizAttempt.objects.filter(user=user).update(answers={"s1": "a", "txt": n["answer"]})

    # Signed in first: a successful sign-in clears axes' attempts of that username.
    client = Client()
    client.force_login(user)
    api_key_create(name="mi integración", user=user, actor=SYSTEM)
    TOTPDevice.objects.create(user=user, name=f"teléfono de {n['given_names']}", confirmed=True)
    AccessAttempt.objects.create(
        username=n["username"], ip_address="203.0.113.7", user_agent="Firefox", http_accept="*/*",
        path_info="/entrar/", get_data="", post_data=f"username={n['username']}",
        failures_since_start=1,
    )  # fmt: skip
    AccessLog.objects.create(
        username=n["account_email"], ip_address="203.0.113.7", user_agent="Firefox",
        http_accept="*/*", path_info="/entrar/",
    )  # fmt: skip
    LogEntry.objects.create(
        user=learning.live.other_instructor, content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk), object_repr=n["username"], action_flag=CHANGE, change_message="",
    )  # fmt: skip
    SentEmail.objects.create(key=f"cohort:{enrollment.pk}:welcome")
    return History(
        user=user,
        application=Application.objects.get(pk=enrollment.application_id),
        enrollment=enrollment,
        learning=learning,
        certificate=certificate,
        client=client,
    )


# -- ARCO requests (arco) --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _arco_limits(settings: Any) -> None:
    settings.YACHAY_RATELIMIT_ARCO = "0"


def make_application(call: Call, **overrides: Any) -> Application:
    form = ApplicationForm(data=valid_form_data(**overrides), call=call)
    assert form.is_valid(), form.errors
    return application_submit(
        call=call, data=form.cleaned_data, consent_ip="127.0.0.1", actor=SYSTEM, source="web"
    )


@pytest.fixture
def applicant(call: Call) -> Application:
    return make_application(call)


@pytest.fixture
def after_commit_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run after-commit work (the emails) at once: each test runs in one transaction."""
    monkeypatch.setattr(
        "django.db.transaction.on_commit", lambda func, using=None, robust=False: func()
    )
