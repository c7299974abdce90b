"""A cohort with a live session under way, its learners, and a second cohort beside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from yachay.accounts.models import Role, User
from yachay.accounts.services import user_create
from yachay.cohorts.models import Cohort, Enrollment, Session
from yachay.core.actors import SYSTEM
from yachay.programs.models import Call, Track
from yachay.selection.tests.test_selection_runs import submit


@dataclass
class Live:
    cohort: Cohort  # in person in Cusco, taught by users["instructor"]
    other: Cohort  # virtual, taught by another instructor
    session: Session  # under way: started 5 minutes ago
    other_session: Session
    learners: list[User]  # of `cohort`: Cusco, Lima, Puno
    enrollments: list[Enrollment]
    outsider: User  # a learner of `other`, from Lima
    other_instructor: User


def _enrol(call: Call, i: int, ubigeo: str, cohort: Cohort, name: str) -> Enrollment:
    app = submit(call, i, "female", ubigeo, "entrepreneur", None)
    app.given_names, app.paternal_surname = name.split(" ", 1)
    app.save()
    user = user_create(
        username=f"learner{i}", email=f"learner{i}@example.pe", role=Role.LEARNER, actor=SYSTEM
    )
    user.first_name = app.given_names
    user.save()
    return Enrollment.objects.create(
        application=app, user=user, cohort=cohort, status=Enrollment.Status.ACTIVE
    )


@pytest.fixture
def live(call: Call, users: dict[str, User]) -> Live:
    call.ruc_required_segments = []
    call.save()
    track = Track.objects.create(program=call.program, name="IA para tu negocio", slug="ia")
    today = timezone.localdate()
    common = {"call": call, "track": track, "starts_on": today, "ends_on": today}
    cohort = Cohort.objects.create(
        name="Cusco tarde", modality="in_person", department="08", venue="CITE Cusco",
        slot="afternoon", capacity=30, **common,
    )  # fmt: skip
    other = Cohort.objects.create(
        name="Virtual noche", modality="virtual", slot="evening", capacity=30, **common
    )
    cohort.instructors.add(users["instructor"])
    other_instructor = user_create(
        username="otro.instr", password="x-Secret-9", role=Role.INSTRUCTOR, actor=SYSTEM
    )
    other.instructors.add(other_instructor)
    now = timezone.now()
    session = Session.objects.create(
        cohort=cohort, topic="Qué es la IA", starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=2), place="Aula 3",
    )  # fmt: skip
    other_session = Session.objects.create(
        cohort=other, topic="Prompts", starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=2), meeting_url="https://meet.example.pe/x",
    )  # fmt: skip
    enrollments = [
        _enrol(call, 1, "080101", cohort, "Yupanqui Ñahui"),
        _enrol(call, 2, "150101", cohort, "Rosa Peña"),
        _enrol(call, 3, "210101", cohort, "Killa Mamani"),
    ]
    outsider = _enrol(call, 4, "150101", other, "Pedro Ríos")
    return Live(
        cohort=cohort, other=other, session=session, other_session=other_session,
        learners=[e.user for e in enrollments], enrollments=enrollments,
        outsider=outsider.user, other_instructor=other_instructor,
    )  # fmt: skip


# (ubigeo, modality, schedules, segment)
PEOPLE = [
    ("080101", "in_person", ["evening"], "entrepreneur"),
    ("080101", "in_person", ["evening"], "entrepreneur"),
    ("080101", "virtual", ["morning"], "sme_owner"),
    ("030101", "in_person", ["evening"], "entrepreneur"),  # Apurímac: no cohort there
    ("150101", "virtual", ["weekend"], "sme_expert"),
]


@pytest.fixture
def enrolled(call: Call) -> list[Enrollment]:
    call.ruc_required_segments = []
    call.save()
    out = []
    for i, (ubigeo, modality, schedules, segment) in enumerate(PEOPLE):
        app = submit(call, i, "female", ubigeo, segment, None)
        app.modality, app.schedules = modality, schedules
        app.save()
        user = user_create(
            username=f"l{i}", email=f"l{i}@example.pe", role=Role.LEARNER, actor=SYSTEM
        )
        out.append(Enrollment.objects.create(application=app, user=user))
    return out


@pytest.fixture
def cohorts(call: Call) -> dict[str, Cohort]:
    track = Track.objects.create(program=call.program, name="IA para tu negocio", slug="ia")
    common = {
        "call": call,
        "track": track,
        "starts_on": dt.date(2027, 3, 1),
        "ends_on": dt.date(2027, 5, 1),
    }
    cusco = Cohort.objects.create(
        name="Cusco noche",
        modality="in_person",
        department="08",
        slot="evening",
        capacity=2,
        **common,
    )
    online = Cohort.objects.create(
        name="Virtual mañana", modality="virtual", slot="morning", capacity=30, **common
    )
    return {"cusco": cusco, "online": online}
