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
from yachay.core.choices import SLOT_HOURS, Schedule
from yachay.core.services import audit_record
from yachay.demo.applicants import INSTRUCTOR_USERNAME
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
    """The weekday slot whose hours (``core.choices.SLOT_HOURS``) are nearest to ``moment``
    in Lima: the demo's cohorts take the slot of the hour the demo is loaded."""
    local = timezone.localtime(moment)
    minutes = local.hour * 60 + local.minute

    def distance(slot: str) -> int:
        start, end = SLOT_HOURS[slot]
        lo, hi = start.hour * 60 + start.minute, end.hour * 60 + end.minute
        if lo <= minutes <= hi:
            return 0
        # Around the clock: 2:00 is nearer to the evening (ends 22:00) than to the morning.
        gaps = (abs(minutes - m) for m in (lo, hi))
        return min(min(g, 1440 - g) for g in gaps)

    return min((Schedule.MORNING, Schedule.AFTERNOON, Schedule.EVENING), key=distance)


def weekly_sessions(cohort: Cohort, first_start: dt.datetime) -> list[Session]:
    """Six weekly two-hour sessions. The first starts at ``first_start`` (the demo's is under
    way when the demo is loaded, so check-in can be tried at once); the next ones meet at the
    start of the cohort's slot, so an afternoon cohort meets in the afternoon."""
    first = timezone.localtime(first_start)
    regular = SLOT_HOURS.get(cohort.slot, (first.timetz(), first.timetz()))[0]
    starts = [first] + [
        timezone.make_aware(dt.datetime.combine(first.date() + dt.timedelta(weeks=i), regular))
        for i in range(1, len(TOPICS))
    ]
    return [
        Session(
            cohort=cohort,
            topic=topic,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            place=cohort.venue,
            meeting_url="" if cohort.venue else "https://meet.example.com/yachay-demo",
        )
        for start, topic in zip(starts, TOPICS, strict=True)
    ]


def demo_classroom_load(
    *, call: Call, actor: Actor = SYSTEM, now: dt.datetime | None = None
) -> Classroom:
    """Import the course and create the classroom on the demo call (one transaction).
    The instructor is the demo account made by ``demo.applicants.demo_accounts_ensure``."""
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
        start = (now - dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
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
