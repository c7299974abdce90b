"""Checking in with the rotating code, marking by hand, and who may see which session."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yachay.accounts.models import User
from yachay.cohorts import checkin
from yachay.cohorts.models import Attendance, Session
from yachay.cohorts.services import CheckinRefused, Mark, attendance_check_in, attendance_mark
from yachay.cohorts.tests.conftest import Live
from yachay.core.actors import Actor
from yachay.core.models import AuditEvent


def code_now(session: Session, periods_ago: int = 0) -> str:
    period = checkin.period_of(time.time()) - periods_ago
    return checkin.code_for(session.checkin_secret, period)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_learner_checks_in_once_with_the_code_on_the_screen(live: Live) -> None:
    learner = live.learners[0]
    att = attendance_check_in(session=live.session, user=learner, code=code_now(live.session))
    assert att.status == Attendance.Status.PRESENT
    assert att.method == Attendance.Method.CODE
    assert AuditEvent.objects.filter(action="attendance.check_in", object_id=str(att.pk)).exists()
    with pytest.raises(CheckinRefused) as second:
        attendance_check_in(session=live.session, user=learner, code=code_now(live.session))
    assert second.value.code == "already_recorded" and second.value.status == 409
    assert Attendance.objects.count() == 1


def test_the_code_of_the_period_just_gone_still_works(live: Live) -> None:
    att = attendance_check_in(
        session=live.session, user=live.learners[0], code=code_now(live.session, 1)
    )
    assert att.pk


def test_an_old_code_is_expired_and_a_wrong_one_is_wrong(live: Live) -> None:
    with pytest.raises(CheckinRefused) as expired:
        attendance_check_in(
            session=live.session, user=live.learners[0], code=code_now(live.session, 4)
        )
    assert expired.value.code == "expired_code"
    with pytest.raises(CheckinRefused) as wrong:
        attendance_check_in(session=live.session, user=live.learners[0], code="000000x")
    assert wrong.value.code == "wrong_code" and wrong.value.status == 422
    assert not Attendance.objects.exists()


def test_wrong_codes_are_limited_per_learner_not_per_venue(live: Live, settings: Any) -> None:
    settings.YACHAY_CHECKIN_WRONG_CODES = "3/600"
    guesser, neighbour = live.learners[0], live.learners[1]
    right = code_now(live.session)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(3):
        with pytest.raises(CheckinRefused) as refused:
            attendance_check_in(session=live.session, user=guesser, code=wrong)
        assert refused.value.code == "wrong_code"
    with pytest.raises(CheckinRefused) as locked:
        attendance_check_in(session=live.session, user=guesser, code=right)
    assert locked.value.code == "too_many_wrong_codes" and locked.value.status == 429
    assert "instructor" in locked.value.message
    # The learner beside them, on the same venue Wi-Fi, is not affected.
    assert attendance_check_in(session=live.session, user=neighbour, code=right).pk
    # Counted in the audit log (so every worker sees the same count), over a sliding window.
    wrongs = AuditEvent.objects.filter(action="attendance.wrong_code", actor=guesser)
    assert wrongs.count() == 3
    wrongs.update(created_at=timezone.now() - dt.timedelta(seconds=601))
    assert attendance_check_in(session=live.session, user=guesser, code=right).pk


def test_check_in_is_refused_outside_the_window(live: Live) -> None:
    now = timezone.now()
    live.session.starts_at, live.session.ends_at = (
        now + dt.timedelta(hours=1),
        now + dt.timedelta(hours=3),
    )
    live.session.save()
    with pytest.raises(CheckinRefused) as early:
        attendance_check_in(
            session=live.session, user=live.learners[0], code=code_now(live.session)
        )
    assert early.value.code == "not_open"
    live.session.starts_at, live.session.ends_at = (
        now - dt.timedelta(hours=3),
        now - dt.timedelta(hours=1),
    )
    live.session.save()
    with pytest.raises(CheckinRefused) as late:
        attendance_check_in(
            session=live.session, user=live.learners[0], code=code_now(live.session)
        )
    assert late.value.code == "closed"
    assert not Attendance.objects.exists()


def test_within_the_grace_period_after_the_start_it_is_late(live: Live) -> None:
    now = timezone.now()
    live.session.starts_at = now - dt.timedelta(minutes=40)
    live.session.save()
    att = attendance_check_in(
        session=live.session, user=live.learners[0], code=code_now(live.session)
    )
    assert att.status == Attendance.Status.LATE


def test_a_learner_of_another_cohort_cannot_check_in(live: Live) -> None:
    with pytest.raises(CheckinRefused) as refused:
        attendance_check_in(session=live.session, user=live.outsider, code=code_now(live.session))
    assert refused.value.code == "not_in_cohort" and refused.value.status == 403
    page = signed_in(live.outsider).get(f"/asistencia/{live.session.pk}/")
    assert page.status_code == 404


def test_the_check_in_page_records_and_then_shows_it(live: Live) -> None:
    client = signed_in(live.learners[1])
    code = code_now(live.session)
    page = client.get(f"/asistencia/{live.session.pk}/?c={code}")
    assert page.status_code == 200 and code in page.content.decode()
    assert not Attendance.objects.exists()  # GET (a link preview) records nothing
    done = client.post(f"/asistencia/{live.session.pk}/", {"code": code, "via": "qr"}, follow=True)
    assert done.status_code == 200
    assert "Tu asistencia está registrada" in done.content.decode()
    assert Attendance.objects.get().method == Attendance.Method.QR
    again = client.post(f"/asistencia/{live.session.pk}/", {"code": code})
    assert again.status_code == 302  # already recorded: back to the page showing it
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize("typed", ["", "abc", "1" * 5000, "'; DROP TABLE x; --", "１２３"])
def test_the_check_in_page_answers_bad_codes_in_words(live: Live, typed: str) -> None:
    page = signed_in(live.learners[0]).post(f"/asistencia/{live.session.pk}/", {"code": typed})
    assert page.status_code in (400, 422)
    body = page.content.decode()
    assert "6 dígitos" in body or "no es correcto" in body
    assert not Attendance.objects.exists()


def test_the_instructor_marks_and_corrects_by_hand(live: Live, users: dict[str, User]) -> None:
    client = signed_in(users["instructor"])
    e0, e1, e2 = live.enrollments
    page = client.get(f"/cohortes/sesiones/{live.session.pk}/")
    assert page.status_code == 200 and "Yupanqui" in page.content.decode()
    saved = client.post(
        f"/cohortes/sesiones/{live.session.pk}/",
        {f"e{e0.pk}": "present", f"e{e1.pk}": "excused", f"e{e2.pk}": ""},
    )
    assert saved.status_code == 302
    assert dict(Attendance.objects.values_list("enrollment_id", "status")) == {
        e0.pk: "present", e1.pk: "excused",
    }  # fmt: skip
    client.post(f"/cohortes/sesiones/{live.session.pk}/", {f"e{e0.pk}": "absent", f"e{e1.pk}": ""})
    assert dict(Attendance.objects.values_list("enrollment_id", "status")) == {e0.pk: "absent"}
    assert AuditEvent.objects.filter(action="attendance.clear").count() == 1
    bad = client.post(f"/cohortes/sesiones/{live.session.pk}/", {f"e{e0.pk}": "vacation"})
    assert bad.status_code == 200  # the form again, nothing changed
    assert Attendance.objects.get().status == "absent"


def test_marks_for_learners_outside_the_cohort_are_refused(
    live: Live, users: dict[str, User]
) -> None:
    outsider = live.outsider.enrollments.get()
    with pytest.raises(ValueError):
        attendance_mark(
            session=live.session, marks=[Mark(outsider.pk, "present")],
            actor=Actor.of_user(users["instructor"]),
        )  # fmt: skip
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/cohortes/{cohort}/",
        "/cohortes/sesiones/{session}/",
        "/cohortes/sesiones/{session}/codigo/",
        "/cohortes/sesiones/{session}/lista.csv",
    ],
)
def test_another_cohorts_pages_are_refused_to_an_instructor(live: Live, path: str) -> None:
    client = signed_in(live.other_instructor)
    url = path.format(cohort=live.cohort.pk, session=live.session.pk)
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code in (403, 405)
    missing = path.format(cohort=999_999, session=999_999)
    assert client.get(missing).status_code == 404
    own = path.format(cohort=live.other.pk, session=live.other_session.pk)
    assert client.get(own).status_code == 200


def test_learners_see_no_staff_pages(live: Live) -> None:
    client = signed_in(live.learners[0])
    assert client.get("/cohortes/").status_code == 404
    assert client.get(f"/cohortes/{live.cohort.pk}/").status_code == 404
    assert client.get(f"/cohortes/sesiones/{live.session.pk}/codigo/").status_code == 404


def test_a_coordinator_reads_their_departments_but_does_not_mark(
    live: Live, users: dict[str, User]
) -> None:
    client = signed_in(users["coordinator"])  # follows Cusco (08) and Puno (21)
    assert client.get(f"/cohortes/{live.cohort.pk}/").status_code == 200
    assert client.get(f"/cohortes/sesiones/{live.session.pk}/codigo/").status_code == 403
    e0 = live.enrollments[0]
    assert (
        client.post(f"/cohortes/sesiones/{live.session.pk}/", {f"e{e0.pk}": "present"}).status_code
        == 403
    )
    assert not Attendance.objects.exists()
    # The virtual cohort has one learner, from Lima: not theirs, so refused.
    assert client.get(f"/cohortes/{live.other.pk}/").status_code == 403


def test_the_code_page_shows_the_current_code_and_a_qr(live: Live, users: dict[str, User]) -> None:
    page = signed_in(users["instructor"]).get(f"/cohortes/sesiones/{live.session.pk}/codigo/")
    body = page.content.decode()
    code = code_now(live.session)
    assert f"{code[:3]} {code[3:]}" in body or code_now(live.session, 0) != code
    assert "<svg" in body and "http-equiv" not in body
    assert page["Cache-Control"].startswith("max-age=0")


def test_the_learner_page_shows_the_cohort_sessions_and_check_in(live: Live) -> None:
    page = signed_in(live.learners[0]).get("/mi-cuenta/")
    body = page.content.decode()
    assert "Cusco tarde" in body and "Qué es la IA" in body
    assert f"/asistencia/{live.session.pk}/" in body
    assert ".ics" in body


def test_the_calendar_is_the_learners_own(live: Live) -> None:
    mine = live.enrollments[0]
    cal = signed_in(live.learners[0]).get(f"/mi-cuenta/cohorte-{mine.pk}.ics")
    assert cal.status_code == 200 and cal["Content-Type"].startswith("text/calendar")
    body = cal.content.decode()
    assert body.count("BEGIN:VEVENT") == 1 and "Qué es la IA" in body
    assert signed_in(live.learners[1]).get(f"/mi-cuenta/cohorte-{mine.pk}.ics").status_code == 404


def test_the_cohort_and_session_pages_do_not_query_per_learner(
    live: Live, users: dict[str, User], call: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yachay.cohorts.tests.conftest import _enrol

    client = signed_in(users["instructor"])
    urls = [f"/cohortes/{live.cohort.pk}/", f"/cohortes/sesiones/{live.session.pk}/"]

    def counts() -> list[int]:
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    before = counts()
    for i in range(10, 22):
        _enrol(call, i, "080101", live.cohort, f"Sumaq Huamán{i}")
    attendance_check_in(session=live.session, user=live.learners[0], code=code_now(live.session))
    assert counts() == before


def test_a_dropped_learner_leaves_the_roster_and_frees_a_seat(
    live: Live, users: dict[str, User]
) -> None:
    from django.core.exceptions import ValidationError

    from yachay.cohorts.services import enrollment_drop

    actor = Actor.of_user(users["admin"])
    gone = live.enrollments[0]
    assert enrollment_drop(enrollment=gone, actor=actor)
    assert not enrollment_drop(enrollment=gone, actor=actor)  # once
    assert AuditEvent.objects.filter(action="enrollment.drop").count() == 1
    page = signed_in(users["instructor"]).get(f"/cohortes/{live.cohort.pk}/")
    assert "Yupanqui" not in page.content.decode()
    live.cohort.capacity = 2  # two learners remain
    live.cohort.full_clean()
    live.cohort.capacity = 1
    with pytest.raises(ValidationError):
        live.cohort.full_clean()


def test_a_learner_marked_present_is_not_asked_to_check_in_again(
    live: Live, users: dict[str, User]
) -> None:
    attendance_mark(
        session=live.session, marks=[Mark(live.enrollments[0].pk, "present")],
        actor=Actor.of_user(users["instructor"]),
    )  # fmt: skip
    body = signed_in(live.learners[0]).get("/mi-cuenta/").content.decode()
    assert f"/asistencia/{live.session.pk}/" not in body
    assert "Asistencia registrada: presente" in body
