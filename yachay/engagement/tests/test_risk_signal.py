"""The at-risk signal on the database: features as of a date (no leakage), training and
scoring, objections, the commands, the query count, the pages by role, the action form."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from yachay.accounts.models import User
from yachay.cohorts.models import Attendance, Enrollment, Session
from yachay.cohorts.tests.conftest import _enrol
from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.core.objections import Purpose
from yachay.core.services import objection_record
from yachay.engagement import risk, services
from yachay.engagement.models import RiskAction, RiskModel, RiskScore
from yachay.engagement.tests.conftest import Live
from yachay.learning.models import Course, LessonProgress

pytestmark = pytest.mark.django_db


@pytest.fixture
def course() -> Course:
    return Course.objects.create(slug="c", title="C", language="es")


def _lessons(user: User, course: Course, times: list[dt.datetime]) -> None:
    LessonProgress.objects.bulk_create(
        LessonProgress(user=user, course=course, activity_id=f"l{i}", completed_at=t)
        for i, t in enumerate(times)
    )


def test_features_use_only_what_happened_before_the_date(live: Live, course: Course) -> None:
    cohort = live.cohort
    cohort.starts_on = dt.date(2026, 3, 2)
    cohort.ends_on = dt.date(2026, 4, 12)
    cohort.save()
    as_of = dt.datetime(2026, 3, 16, 5, tzinfo=dt.UTC)  # midnight in Lima
    e = live.enrollments[0]
    before, after = as_of - dt.timedelta(days=9), as_of + dt.timedelta(hours=1)
    _lessons(e.user, course, [before - dt.timedelta(days=1), before, after, after])
    held = Session.objects.create(
        cohort=cohort, topic="1", starts_at=as_of - dt.timedelta(days=8),
        ends_at=as_of - dt.timedelta(days=8) + dt.timedelta(hours=2),
    )  # fmt: skip
    later = Session.objects.create(
        cohort=cohort, topic="2", starts_at=as_of + dt.timedelta(days=1),
        ends_at=as_of + dt.timedelta(days=1, hours=2),
    )  # fmt: skip
    for s in (held, later):
        Attendance.objects.create(
            enrollment=e, session=s, status="present", method="manual", recorded_at=s.starts_at
        )
    rows = {r.enrollment_id: r for r in risk.features_as_of(Enrollment.objects.all(), as_of)}
    row = rows[e.pk]
    assert row.facts["done"] == 2  # not the two lessons after the date
    assert row.facts["held"] == 1 and row.facts["attended"] == 1
    assert row.values["days_inactive"] == pytest.approx(8, abs=0.01)  # the session, 8 days ago
    # The cohort's other learners did nothing: the median is 0, this learner 2 ahead.
    assert row.values["lessons_vs_median"] == 2
    other = rows[live.enrollments[1].pk]
    assert other.facts["attended"] == 0 and other.values["attendance_share"] == 0
    assert other.values["days_inactive"] == pytest.approx(14)  # since the cohort's start
    # The same learner a week later sees the later lessons and session.
    row2 = {
        r.enrollment_id: r
        for r in risk.features_as_of(Enrollment.objects.all(), as_of + dt.timedelta(days=7))
    }[e.pk]
    assert row2.facts["done"] == 4 and row2.facts["held"] == 2


def test_features_take_a_fixed_number_of_queries(live: Live) -> None:
    as_of = timezone.now()
    with CaptureQueriesContext(connection) as few:
        risk.features_as_of(Enrollment.objects.filter(pk=live.enrollments[0].pk), as_of)
    with CaptureQueriesContext(connection) as many:
        risk.features_as_of(Enrollment.objects.all(), as_of)
    assert len(few) == len(many) == 5


def _finish(live: Live) -> None:
    """Make the live cohorts a finished one (six weeks, ended last week) with outcomes."""
    today = timezone.localdate()
    for cohort in (live.cohort, live.other):
        cohort.starts_on = today - dt.timedelta(weeks=7)
        cohort.ends_on = today - dt.timedelta(weeks=1)
        cohort.save()
    e = live.enrollments[0]
    e.status, e.status_changed_at = Enrollment.Status.COMPLETED, timezone.now()
    e.save()


def test_training_without_enough_data_keeps_the_rule_and_scoring_uses_it(live: Live) -> None:
    _finish(live)
    model = services.risk_train(program=live.cohort.call.program, actor=SYSTEM)
    assert not model.in_force and model.missed
    assert model.data["learners"] == 4 and model.data["cohorts"] == 2
    # Five snapshots a learner (weeks 1 to 5 of six), none after the completion.
    assert model.data["rows"] == 4 * 5
    assert AuditEvent.objects.filter(action="engagement.risk_train").count() == 1
    # A new cohort under way is scored by the rule.
    for cohort in (live.cohort, live.other):
        cohort.starts_on = cohort.ends_on = timezone.localdate()
        cohort.save()
    done = services.risk_score(actor=SYSTEM)
    assert done.by_model == 0 and done.by_rule == 3  # the completed learner is not scored
    assert set(RiskScore.objects.values_list("method", flat=True)) == {"rule"}


def _model_in_force(program_id: int, *, excluded: tuple[str, str] | None = None) -> RiskModel:
    n = len(risk.FEATURES)
    return RiskModel.objects.create(
        program_id=program_id, trained_at=timezone.now(), trained_by="test", in_force=True,
        features=list(risk.FEATURES), intercept=-1.0, coefficients=[0.8] + [0.0] * (n - 1),
        scaler_mean=[3.0] + [0.0] * (n - 1), scaler_scale=[2.0] + [1.0] * (n - 1),
        fairness=[{"kind": excluded[0], "group": excluded[1], "used": False}] if excluded else [],
    )  # fmt: skip


def test_scoring_uses_the_model_in_force_except_for_an_excluded_group(live: Live) -> None:
    _model_in_force(live.cohort.call.program_id, excluded=("place", "lima"))
    services.risk_score(actor=SYSTEM)
    methods = dict(RiskScore.objects.values_list("enrollment__application__ubigeo", "method"))
    assert methods["080101"] == "model" and methods["210101"] == "model"
    assert methods["150101"] == "rule"  # Lima: the model is not used for it
    scored = RiskScore.objects.get(enrollment=live.enrollments[0])
    assert scored.probability is not None and scored.points is None


def test_a_newer_version_that_failed_the_bar_puts_the_rule_back(live: Live) -> None:
    _model_in_force(live.cohort.call.program_id)
    services.risk_train(program=live.cohort.call.program, actor=SYSTEM)  # no data: fails
    assert not RiskModel.objects.filter(in_force=True).exists()
    services.risk_score(actor=SYSTEM)
    assert set(RiskScore.objects.values_list("method", flat=True)) == {"rule"}


def test_a_rerun_in_the_same_week_replaces_the_scores(live: Live) -> None:
    services.risk_score(actor=SYSTEM)
    services.risk_score(actor=SYSTEM)
    assert RiskScore.objects.count() == 4


def test_people_objecting_to_analytics_are_neither_scored_nor_trained_on(live: Live) -> None:
    services.risk_score(actor=SYSTEM)
    objector = live.enrollments[1]
    assert RiskScore.objects.filter(enrollment=objector).exists()
    objection_record(email=objector.application.email, purpose=Purpose.ANALYTICS, actor=SYSTEM)
    done = services.risk_score(actor=SYSTEM)
    assert done.objecting == 1 and done.scored == 3
    assert not RiskScore.objects.filter(enrollment=objector).exists()  # earlier ones gone
    _finish(live)
    model = services.risk_train(program=live.cohort.call.program, actor=SYSTEM)
    assert model.data["learners"] == 3 and model.data["objecting_left_out"] == 1


def test_scoring_takes_the_same_queries_for_more_learners(live: Live) -> None:
    _model_in_force(live.cohort.call.program_id)
    with CaptureQueriesContext(connection) as few:
        services.risk_score(actor=SYSTEM)
    call = live.cohort.call
    for i in range(10, 30):
        _enrol(call, i, "080101", live.cohort, f"Urpi Quispe{i}")
    RiskScore.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        done = services.risk_score(actor=SYSTEM)
    assert done.scored == 24
    assert len(many) == len(few)


def test_the_commands_train_and_score(live: Live) -> None:
    out = StringIO()
    call_command("risk_train", stdout=out)
    assert "not in force" in out.getvalue()
    out = StringIO()
    call_command("risk_score", stdout=out)
    assert "4 learners scored" in out.getvalue() and "0 by the model" in out.getvalue()


def test_risk_train_refuses_an_unknown_program(live: Live) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("risk_train", "--program", "nope", stdout=StringIO())


def test_the_weekly_job_scores(live: Live) -> None:
    from yachay.core.queue import periodic_tasks
    from yachay.engagement.tasks import risk_score_weekly

    assert risk_score_weekly in [t for t, _ in periodic_tasks()]
    assert risk_score_weekly.call() == 4


# --- pages ----------------------------------------------------------------------------------


def _at_risk(live: Live) -> None:
    """Everyone in the live cohorts has been away three weeks: high by the rule."""
    for cohort in (live.cohort, live.other):
        cohort.starts_on = timezone.localdate() - dt.timedelta(weeks=3)
        cohort.save()
    services.risk_score(actor=SYSTEM)


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_each_role_sees_its_own_learners_at_risk(live: Live, users: dict[str, User]) -> None:
    _at_risk(live)
    url = reverse("engagement:risk")
    names = {e.pk: e.application.listed_name for e in Enrollment.objects.all()}
    outsider = Enrollment.objects.get(user=live.outsider).pk

    def seen(user: User) -> set[int]:
        r = _client(user).get(url)
        assert r.status_code == 200
        assert "no-store" in r["Cache-Control"]
        return {pk for pk, name in names.items() if name in r.content.decode()}

    assert seen(users["admin"]) == set(names)
    # Coordinator of Cusco and Puno: the Cusco cohort (all three), not the Lima virtual learner.
    assert seen(users["coordinator"]) == {e.pk for e in live.enrollments}
    assert seen(users["instructor"]) == {e.pk for e in live.enrollments}
    assert seen(live.other_instructor) == {outsider}
    r = _client(users["admin"]).get(url)
    body = r.content.decode()
    assert "sin actividad hace 21 días" in body
    assert "regla simple" in body.lower()
    assert _client(users["learner"]).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_the_list_takes_the_same_queries_for_more_rows(live: Live, users: dict[str, User]) -> None:
    _at_risk(live)
    c = _client(users["admin"])
    url = reverse("engagement:risk")
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for i in range(10, 20):
        _enrol(live.cohort.call, i, "080101", live.cohort, f"Urpi Quispe{i}")
    services.risk_score(actor=SYSTEM)
    with CaptureQueriesContext(connection) as many:
        r = c.get(url)
    assert r.content.decode().count('class="card ') == 14
    assert len(many) == len(few)


def test_the_model_card_is_for_admins_and_coordinators(live: Live, users: dict[str, User]) -> None:
    _finish(live)
    services.risk_train(program=live.cohort.call.program, actor=SYSTEM)
    url = reverse("engagement:risk_model")
    r = _client(users["admin"]).get(url)
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    body = r.content.decode()
    assert "la regla simple" in body.lower() and "Límites" in body
    assert _client(users["coordinator"]).get(url).status_code == 200
    assert _client(users["instructor"]).get(url).status_code == 403
    assert _client(users["learner"]).get(url).status_code == 404


def _act_url(e: Enrollment) -> str:
    return reverse("engagement:risk_act", args=[e.pk])


def test_recording_an_action_is_audited_and_shown_on_the_persons_page(
    live: Live, users: dict[str, User]
) -> None:
    _at_risk(live)
    e = live.enrollments[0]
    c = _client(users["instructor"])
    note = "Llamé a Yupanqui; dice «allinmi kani», vuelve el lunes. Ñ"
    r = c.post(_act_url(e), {"kind": "call", "note": note})
    assert r.status_code == 302
    action = RiskAction.objects.get()
    assert action.kind == "call" and action.note == note and action.actor == users["instructor"]
    assert action.score is not None
    event = AuditEvent.objects.get(action="engagement.risk_action")
    assert event.object_id == str(e.pk) and "note" not in event.changes
    page = _client(users["admin"]).get(reverse("engagement:person", args=[e.application_id]))
    assert "allinmi kani" in page.content.decode() and "Llamó" in page.content.decode()
    # A double submit records it once.
    assert c.post(_act_url(e), {"kind": "call", "note": note}).status_code == 302
    assert RiskAction.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "", "note": "x"},
        {"kind": "delete", "note": "x"},
        {"kind": "call", "note": "x" * 501},
        {"kind": "call", "note": "hola\x00"},
        {"kind": ["call", "help"], "note": "\x07"},
    ],
)
def test_bad_input_on_the_action_form_is_refused_in_words(
    live: Live, users: dict[str, User], data: dict[str, str]
) -> None:
    _at_risk(live)
    r = _client(users["instructor"]).post(_act_url(live.enrollments[0]), data)
    assert r.status_code == 400
    # The form again with the message (a NUL is refused before, by core's input guard).
    assert 'role="alert"' in r.content.decode() or "\x00" in str(data.get("note", ""))
    assert not RiskAction.objects.exists()


def test_acting_on_someone_elses_learner_is_refused(live: Live, users: dict[str, User]) -> None:
    outsider = Enrollment.objects.get(user=live.outsider)
    r = _client(users["instructor"]).post(_act_url(outsider), {"kind": "call"})
    assert r.status_code == 403
    r = _client(users["instructor"]).post(
        reverse("engagement:risk_act", args=[99999]), {"kind": "call"}
    )
    assert r.status_code == 404
    assert _client(users["learner"]).post(_act_url(outsider), {"kind": "call"}).status_code == 404
    assert _client(users["instructor"]).get(_act_url(live.enrollments[0])).status_code == 405
    assert not RiskAction.objects.exists()


def test_the_list_filters_by_band_and_shows_everyone_scored_on_request(
    live: Live, users: dict[str, User]
) -> None:
    services.risk_score(actor=SYSTEM)  # the first day: nobody at risk
    c = _client(users["admin"])
    url = reverse("engagement:risk")
    body = c.get(url).content.decode()
    assert 'class="card ' not in body and "Ver a todos los evaluados" in body
    assert c.get(url, {"banda": "todos"}).content.decode().count('class="card low') == 4
    assert c.get(url, {"banda": "nada\x07"}).status_code in (200, 400)
    _at_risk(live)
    assert c.get(url, {"banda": "alto"}).content.decode().count('class="card ') == 0
    assert c.get(url, {"banda": "medio"}).content.decode().count('class="card medium') == 4


def test_a_note_typed_in_a_browser_keeps_its_line_breaks_and_counts_them_once(
    live: Live, users: dict[str, User]
) -> None:
    """A browser sends line breaks as CR LF; an old one may send a lone CR. Both are line
    breaks, counted once against the note's length (as the textarea's maxlength counts)."""
    _at_risk(live)
    lines = "\r\n".join(["línea de Ñusta"] * 33)  # 494 characters typed, 526 sent
    c = _client(users["instructor"])
    r = c.post(_act_url(live.enrollments[0]), {"kind": "call", "note": lines})
    assert r.status_code == 302
    r = c.post(_act_url(live.enrollments[1]), {"kind": "help", "note": "a\rb"})
    assert r.status_code == 302
    notes = sorted(RiskAction.objects.values_list("note", flat=True), key=len)
    assert notes == ["a\nb", "\n".join(["línea de Ñusta"] * 33)]
