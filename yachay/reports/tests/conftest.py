"""A small call that went the whole way, every stage of the funnel written by hand, so each
count the reports show can be checked against the list below.

    i  gender  ubigeo  region  segment       how far                     cohort (instructor)
    0  female  080101  08      entrepreneur  certified                   A (users["instructor"])
    1  female  080101  08      entrepreneur  completed, attended 3 d ago A
    2  male    150101  15M     sme_expert    placed, lesson today        A
    3  female  150101  15M     entrepreneur  placed, quiz 30 days ago    B (another instructor)
    4  male    210101  21      entrepreneur  accepted, waits a cohort
    5  female  070101  07      other         admitted, offer pending
    6  male    150501  15P     entrepreneur  waitlisted
    7  female  030101  03      entrepreneur  not eligible
    8  male    080101  08      other         submitted, no decision yet
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from yachay.accounts.models import Role, User
from yachay.accounts.services import user_create
from yachay.certificates.models import Certificate, StatusList
from yachay.cohorts.models import Attendance, Cohort, Enrollment, Session
from yachay.core.actors import SYSTEM
from yachay.intake.models import Application
from yachay.learning.models import Course, CourseVersion, LessonProgress, QuizAttempt
from yachay.programs.models import Call, Target, Track
from yachay.reports.services import learner_activity_refresh
from yachay.selection.models import Decision, Offer, SelectionRun
from yachay.selection.tests.test_selection_runs import submit

PEOPLE = [
    ("female", "080101", "entrepreneur", "certified", "A"),
    ("female", "080101", "entrepreneur", "completed", "A"),
    ("male", "150101", "sme_expert", "placed", "A"),
    ("female", "150101", "entrepreneur", "placed", "B"),
    ("male", "210101", "entrepreneur", "accepted", ""),
    ("female", "070101", "other", "admitted", ""),
    ("male", "150501", "entrepreneur", "waitlisted", ""),
    ("female", "030101", "entrepreneur", "ineligible", ""),
    ("male", "080101", "other", "submitted", ""),
]


@dataclass
class World:
    call: Call
    apps: list[Application]
    cohort_a: Cohort
    cohort_b: Cohort
    course: Course
    version: CourseVersion
    sessions: list[Session]
    enrollments: dict[int, Enrollment]
    other_instructor: User


@pytest.fixture
def world(call: Call, users: dict[str, User]) -> World:
    call.ruc_required_segments = []
    call.allowed_segments = ["sme_expert", "entrepreneur", "sme_owner", "other"]
    call.save()
    now = timezone.now()
    apps = [submit(call, i, g, u, s, None) for i, (g, u, s, _stage, _c) in enumerate(PEOPLE)]
    run = SelectionRun.objects.create(
        call=call, state=SelectionRun.State.PUBLISHED, actor_label="test", published_at=now
    )
    for app, (g, _u, _s, stage, _c) in zip(apps, PEOPLE, strict=True):
        if stage == "submitted":
            continue
        outcome = {"waitlisted": "waitlisted", "ineligible": "ineligible"}.get(stage, "admitted")
        d = Decision.objects.create(run=run, application=app, outcome=outcome, gender=g)
        if outcome == "admitted":
            Offer.objects.create(
                decision=d,
                state="pending" if stage == "admitted" else "accepted",
                expires_at=now + dt.timedelta(days=5),
            )
    track = Track.objects.create(program=call.program, name="IA para tu negocio", slug="ia")
    today = timezone.localdate()
    common = {"call": call, "track": track, "starts_on": today, "ends_on": today, "capacity": 30}
    cohort_a = Cohort.objects.create(
        name="Cusco tarde", modality="in_person", department="08", slot="afternoon", **common
    )
    cohort_b = Cohort.objects.create(
        name="Virtual noche", modality="virtual", slot="evening", **common
    )
    cohort_a.instructors.add(users["instructor"])
    other = user_create(username="otro.instr", role=Role.INSTRUCTOR, actor=SYSTEM)
    cohort_b.instructors.add(other)
    sessions = [
        Session.objects.create(
            cohort=cohort_a,
            topic=f"Sesión {k}",
            starts_at=now - dt.timedelta(days=3 + 7 * k),
            ends_at=now - dt.timedelta(days=3 + 7 * k) + dt.timedelta(hours=2),
        )
        for k in range(2)
    ]
    course = Course.objects.create(slug="ia", title="IA para tu negocio", language="es")
    version = CourseVersion.objects.create(course=course, number=1, label="1", content_hash="x")
    status_list = StatusList.objects.create(slug="test")
    enrollments: dict[int, Enrollment] = {}
    for i, (app, (_g, _u, _s, stage, c)) in enumerate(zip(apps, PEOPLE, strict=True)):
        if stage not in ("certified", "completed", "placed", "accepted"):
            continue
        user = user_create(
            username=f"l{i}", email=f"l{i}@example.pe", role=Role.LEARNER, actor=SYSTEM
        )
        e = Enrollment.objects.create(
            application=app, user=user,
            cohort={"A": cohort_a, "B": cohort_b}.get(c),
            status=(
                "completed" if stage in ("certified", "completed")
                else ("active" if c else "waiting")
            ),
            status_changed_at=now,
        )  # fmt: skip
        enrollments[i] = e
    # Activity: 1 attended 3 days ago, 2 did a lesson today, 3 a quiz 30 days ago.
    Attendance.objects.create(
        enrollment=enrollments[1], session=sessions[0], status="present", method="manual",
        recorded_at=now,
    )  # fmt: skip
    Attendance.objects.create(
        enrollment=enrollments[0], session=sessions[1], status="absent", method="manual",
        recorded_at=now,
    )  # fmt: skip
    LessonProgress.objects.create(user=enrollments[2].user, course=course, activity_id="l1")
    QuizAttempt.objects.create(
        user=enrollments[3].user, course=course, version=version, activity_id="q1", number=1,
        score_percent=Decimal(50), submitted_at=now - dt.timedelta(days=30),
    )  # fmt: skip
    Certificate.objects.create(
        enrollment=enrollments[0], user=enrollments[0].user, track=track, full_name="Urpi Quispe",
        hours=Decimal(18), completion_date=today, issued_at=now, status_list=status_list,
        status_index=0, credential={},
    )  # fmt: skip
    Target.objects.create(
        program=call.program, kind="min", measure="share", amount=Decimal(50),
        dimension="gender", value="female",
    )  # fmt: skip
    Target.objects.create(
        program=call.program, kind="min", measure="share", amount=Decimal(40),
        dimension="department_group", value="rest",
    )  # fmt: skip
    learner_activity_refresh()
    return World(
        call=call, apps=apps, cohort_a=cohort_a, cohort_b=cohort_b, course=course,
        version=version, sessions=sessions, enrollments=enrollments, other_instructor=other,
    )  # fmt: skip
