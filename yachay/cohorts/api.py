"""Cohorts in the API: a learner's cohort and sessions, check-in, an instructor's rosters.

Signed-in browsers and apps use the Django session (with its CSRF token for POST); other
systems use an API key that acts as a user. Cohorts and sessions are looked up through the
user's scope, so an id outside it is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from yachay.accounts.api_auth import acting_user, user_auth
from yachay.cohorts import selectors, services
from yachay.cohorts.models import Attendance, Cohort, Session
from yachay.intake.schemas import Detail, Errors

router = Router(auth=user_auth(), tags=["cohorts"])


class SessionOut(Schema):
    id: int
    topic: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    meeting_url: str


class CohortOut(Schema):
    id: int
    name: str
    track: str
    modality: str
    department: str
    venue: str
    slot: str
    starts_on: dt.date
    ends_on: dt.date
    capacity: int


class MyEnrollmentOut(Schema):
    enrollment_id: int
    call: str
    status: str
    cohort: CohortOut | None
    sessions: list[SessionOut]
    attendance: dict[int, str] = Field(description="session id -> present/late/absent/excused")
    sessions_attended: int


class CheckinIn(Schema):
    code: str = Field(max_length=40, description="The 6 digits on the instructor's screen")
    via: Literal["code", "qr"] = "code"


class CheckinOut(Schema):
    session_id: int
    status: str
    recorded_at: dt.datetime


class Refusal(Schema):
    detail: str
    code: str = Field(
        "",
        description="not_in_cohort, not_open, closed, already_recorded, wrong_code, "
        "expired_code, too_many_wrong_codes",
    )


class RosterRowOut(Schema):
    enrollment_id: int
    reference: str
    name: str
    attendance: dict[int, str]
    sessions_attended: int
    sessions_held: int


class RosterOut(Schema):
    cohort: CohortOut
    sessions: list[SessionOut]
    learners: list[RosterRowOut]


def _cohort(c: Cohort) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "track": c.track.slug,
        "modality": c.modality,
        "department": c.department,
        "venue": c.venue,
        "slot": c.slot,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "capacity": c.capacity,
    }


@router.get(
    "/me/enrollments",
    response={200: list[MyEnrollmentOut], 403: Detail},
    summary="My cohort and sessions",
)
def my_enrollments(request: HttpRequest) -> list[dict[str, Any]]:
    user = acting_user(request)
    out = []
    for e in selectors.learner_enrollments(user).prefetch_related("attendances"):
        sessions = list(e.cohort.sessions.all()) if e.cohort else []
        marks = {a.session_id: a.status for a in e.attendances.all()}
        out.append(
            {
                "enrollment_id": e.pk,
                "call": e.application.call.slug,
                "status": e.status,
                "cohort": _cohort(e.cohort) if e.cohort else None,
                "sessions": sessions,
                "attendance": marks,
                "sessions_attended": sum(1 for s in marks.values() if s in Attendance.ATTENDED),
            }
        )
    return out


@router.post(
    "/sessions/{session_id}/check-in",
    response={
        201: CheckinOut,
        400: Errors,
        403: Refusal,
        404: Detail,
        409: Refusal,
        422: Refusal | Errors,
        429: Refusal,
    },
    summary="Check in to a live session with its code",
)
def check_in(request: HttpRequest, session_id: int, payload: CheckinIn) -> Status:
    user = acting_user(request)
    # Only sessions of the learner's own cohorts exist for them.
    session = Session.objects.filter(pk=session_id, cohort__enrollments__user=user).first()
    if session is None:
        return Status(404, {"detail": _("No such session in your cohorts.")})
    try:
        att = services.attendance_check_in(
            session=session, user=user, code=payload.code, method=payload.via
        )
    except services.CheckinRefused as refused:
        return Status(refused.status, {"detail": refused.message, "code": refused.code})
    return Status(
        201, {"session_id": session.pk, "status": att.status, "recorded_at": att.recorded_at}
    )


@router.get(
    "/cohorts",
    response={200: list[CohortOut], 403: Detail},
    summary="The cohorts I teach or follow",
)
def cohort_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = acting_user(request)
    cohorts = selectors.cohorts_visible(user).select_related("track").order_by("starts_on", "pk")
    return [_cohort(c) for c in cohorts]


@router.get(
    "/cohorts/{cohort_id}/roster",
    response={200: RosterOut, 403: Detail, 404: Detail, 422: Errors},
    summary="A cohort's learners and their attendance",
)
def cohort_roster(request: HttpRequest, cohort_id: int) -> dict[str, Any]:
    user = acting_user(request)
    cohort = get_object_or_404(
        selectors.cohorts_visible(user).select_related("track"), pk=cohort_id
    )
    enrollments = selectors.roster(cohort, user)
    sessions, marks, figures = selectors.attendance_grid(cohort, enrollments)
    return {
        "cohort": _cohort(cohort),
        "sessions": sessions,
        "learners": [
            {
                "enrollment_id": e.pk,
                "reference": e.application.reference,
                "name": e.application.full_name,
                "attendance": {sid: a.status for sid, a in marks[e.pk].items()},
                "sessions_attended": figures[e.pk].attended,
                "sessions_held": figures[e.pk].held,
            }
            for e in enrollments
        ],
    }
