"""Access (the A of ARCO): everything Yachay holds about a person, as JSON and as a page."""

from __future__ import annotations

import json

import pytest

from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.privacy.services import (
    person_access_export,
    person_access_html,
    person_from_email,
    person_from_user,
)
from yachay.privacy.tests.conftest import NEEDLES, History

pytestmark = pytest.mark.django_db


def test_the_export_holds_every_table_with_the_persons_rows(history: History) -> None:
    export = person_access_export(person=person_from_user(history.user), actor=SYSTEM)
    models = {t["model"] for t in export["tables"]}
    assert {
        "accounts.User",
        "intake.Application",
        "cohorts.Enrollment",
        "cohorts.Attendance",
        "learning.LessonProgress",
        "learning.QuizAttempt",
        "learning.Completion",
        "certificates.Certificate",
        "accounts.ApiKey",
    } <= models
    text = json.dumps(export, ensure_ascii=False)  # JSON-able
    for key in ("dni", "email", "phone", "given_names", "business_name", "accessibility_needs"):
        assert NEEDLES[key] in text
    assert export["history"]


def test_the_export_leaves_out_secrets(history: History) -> None:
    export = person_access_export(person=person_from_user(history.user), actor=SYSTEM)
    fields = {
        (t["model"], f["field"]) for t in export["tables"] for r in t["rows"] for f in r["fields"]
    }
    assert ("accounts.User", "password") not in fields
    assert ("accounts.ApiKey", "key_hash") not in fields
    assert ("otp_totp.TOTPDevice", "key") not in fields
    assert not any(model == "sessions.Session" and f == "session_data" for model, f in fields)


def test_each_personal_field_says_its_purpose_retention_and_fate(history: History) -> None:
    export = person_access_export(person=person_from_user(history.user), actor=SYSTEM)
    app = next(t for t in export["tables"] if t["model"] == "intake.Application")
    dni = next(f for f in app["rows"][0]["fields"] if f["field"] == "dni")
    assert dni["personal"] and dni["purpose"] and dni["retention"] and dni["on_cancel"]


def test_an_export_is_audited(history: History) -> None:
    person_access_export(person=person_from_user(history.user), actor=SYSTEM)
    assert AuditEvent.objects.filter(action="privacy.access_export").count() == 1


def test_the_readable_page_shows_the_data_in_words(history: History) -> None:
    from django.utils import translation

    with translation.override("es"):
        export = person_access_export(person=person_from_user(history.user), actor=SYSTEM)
        page = person_access_html(export)
    assert NEEDLES["dni"] in page
    assert "<table>" in page and "<script" not in page and "style=" not in page


def test_an_email_nobody_used_exports_nothing(db: None) -> None:
    person = person_from_email("nadie@example.pe")
    assert person.empty
    export = person_access_export(person=person, actor=SYSTEM)
    assert export["tables"] == []


@pytest.mark.parametrize("junk", ["", "x" * 5000, "a\x00@b.pe", "' OR 1=1 --@x.pe", None, 42])
def test_junk_emails_find_nobody(db: None, junk: object) -> None:
    assert person_from_email(junk).empty  # type: ignore[arg-type]
