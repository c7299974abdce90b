"""The demo classroom: the Spanish course, an instructor, two cohorts with live sessions and
a few dozen learners, so `make run` shows the learning and attendance side too.

A shortcut, said plainly: real learners reach a cohort through selection, an accepted
offer and ``cohorts_assign``. The demo's call is still open (it is the intake demo), so
here a few of its applicants are enrolled directly. Their accounts are ordinary learner
accounts; they sign in with a one-time link (``demo_credentials`` prints a fresh one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yachay.accounts.models import Role, User
from yachay.accounts.services import user_create
from yachay.cohorts.models import Cohort, Enrollment, Session
from yachay.core.actors import SYSTEM, Actor
from yachay.core.choices import Schedule
from yachay.core.services import audit_record
from yachay.intake.demo import INSTRUCTOR_USERNAME
from yachay.intake.models import Application
from yachay.intake.services import applications_status_set
from yachay.learning.services import course_import
from yachay.programs.models import Call

COURSE_DIR = Path(settings.BASE_DIR) / "content" / "courses" / "ia-para-tu-negocio"
TRACK_SLUG = "ia-para-tu-negocio"
PER_COHORT = 15
TOPICS = [
    "Qué es la IA y qué no es",
    "Los datos de tu negocio",
    "Cómo pedirle bien a la IA",
    "Ventas y atención al cliente con IA",
    "Riesgos, privacidad y la Ley 29733",
    "Tu plan de adopción",
]


@dataclass(frozen=True)
class Classroom:
    course_title: str
    cohorts: list[Cohort]
    learners: list[User]
    instructor: User


def slot_at(moment: dt.datetime) -> str:
    """The schedule slot a session starting at ``moment`` (Lima time) belongs to."""
    hour = timezone.localtime(moment).hour
    if 6 <= hour < 12:
        return Schedule.MORNING
    if 12 <= hour < 18:
        return Schedule.AFTERNOON
    return Schedule.EVENING


def weekly_sessions(cohort: Cohort, first_start: dt.datetime) -> list[Session]:
    """Six weekly two-hour sessions; the first one is under way when the demo is loaded,
    so check-in can be tried at once."""
    return [
        Session(
            cohort=cohort,
            topic=topic,
            starts_at=first_start + dt.timedelta(weeks=i),
            ends_at=first_start + dt.timedelta(weeks=i, hours=2),
            place=cohort.venue,
            meeting_url="" if cohort.venue else "https://meet.example.pe/yachay-demo",
        )
        for i, topic in enumerate(TOPICS)
    ]


def demo_classroom_load(
    *, call: Call, actor: Actor = SYSTEM, now: dt.datetime | None = None
) -> Classroom:
    """Import the course and create the classroom on the demo call (one transaction).
    The instructor is the demo account made by ``intake.demo.demo_accounts_ensure``."""
    now = now or timezone.now()
    report = course_import(path=COURSE_DIR, actor=actor)
    with transaction.atomic():
        track = call.program.tracks.get(slug=TRACK_SLUG)
        instructor = User.objects.get(username=INSTRUCTOR_USERNAME)
        today = timezone.localdate(now)
        common = {"call": call, "track": track, "capacity": 30, "starts_on": today,
                  "ends_on": today + dt.timedelta(weeks=6)}  # fmt: skip
        # The first sessions are under way now: the cohorts meet at the slot of this hour,
        # so an afternoon cohort's sessions are in the afternoon whenever the demo is loaded.
        start = now - dt.timedelta(minutes=10)
        slot = slot_at(start)
        label = str(Schedule(slot).label)
        cusco = Cohort.objects.create(
            name=f"Cusco · {label} 1", modality=Cohort.Modality.IN_PERSON,
            department="08", venue="CITE Cusco, Av. de la Cultura 1020", slot=slot,
            **common,
        )  # fmt: skip
        online = Cohort.objects.create(
            name=f"Virtual · {label} 1", modality=Cohort.Modality.VIRTUAL,
            slot=slot, **common,
        )  # fmt: skip
        for cohort in (cusco, online):
            cohort.instructors.add(instructor)
        Session.objects.bulk_create(weekly_sessions(cusco, start) + weekly_sessions(online, start))

        audience = track.audience or []
        eligible = Application.objects.filter(call=call, enrollment__isnull=True)
        if audience:
            eligible = eligible.filter(segment__in=audience)
        picks = [
            (cusco, list(eligible.filter(department="08").order_by("pk")[:PER_COHORT])),
            (online, list(eligible.exclude(department="08").order_by("pk")[:PER_COHORT])),
        ]
        learners: list[User] = []
        for cohort, applications in picks:
            for app in applications:
                user = user_create(
                    username=f"learner-{app.reference.lower()}", email=app.email, role=Role.LEARNER,
                    first_name=app.given_names, last_name=app.paternal_surname, actor=actor,
                )  # fmt: skip
                Enrollment.objects.create(
                    application=app, user=user, cohort=cohort,
                    status=Enrollment.Status.ACTIVE, status_changed_at=now,
                )  # fmt: skip
                learners.append(user)
        applications_status_set(
            application_ids=[
                e.application_id for e in Enrollment.objects.filter(user__in=learners)
            ],
            status=Application.Status.ENROLLED,
            actor=actor,
            reason="demo.classroom",
            call=call,
        )
        audit_record(
            actor=actor,
            action="demo.classroom",
            obj=cusco,
            changes={"cohorts": 2, "learners": len(learners), "sessions": 2 * len(TOPICS)},
        )
    return Classroom(
        course_title=report.course.title if report.course else "",
        cohorts=[cusco, online],
        learners=learners,
        instructor=instructor,
    )
