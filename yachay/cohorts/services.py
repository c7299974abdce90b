"""Cohort assignment: load waiting enrollments and cohorts, solve, save, audit."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yachay.accounts.models import Role, User
from yachay.accounts.services import user_create
from yachay.cohorts import assignment, checkin, planning, roster, signals
from yachay.cohorts.models import Attendance, Cohort, Enrollment, Session
from yachay.core import dates, ubigeo
from yachay.core.actors import Actor
from yachay.core.choices import Modality, Schedule, slot_label
from yachay.core.http import parse_rate
from yachay.core.models import AuditEvent
from yachay.core.services import audit_event, audit_record, email_send_once
from yachay.intake.models import Application
from yachay.intake.services import applications_status_set, audit_fingerprint
from yachay.programs.models import Call
from yachay.programs.selectors import track_for_segment


def enrollment_take(*, application: Application, actor: Actor) -> Enrollment:
    """An accepted offer's place: an enrollment waiting for a cohort, and a learner account.
    Selection calls it (through ``selection.places``) inside its own transaction."""
    # The same person (same DNI) keeps one account across calls; an email address alone is
    # not a person: families and small businesses share one.
    previous = (
        Enrollment.objects.filter(application__dni=application.dni).select_related("user").first()
    )
    learner = previous.user if previous is not None else None
    if learner is None:
        learner = user_create(
            username=f"learner-{application.reference.lower()}",
            email=application.email,
            role=Role.LEARNER,
            first_name=application.given_names,
            last_name=application.paternal_surname,
            actor=actor,
        )
    enrollment = Enrollment.objects.create(application=application, user=learner)
    audit_record(
        actor=actor,
        action="enrollment.create",
        obj=enrollment,
        changes={"status": [None, "waiting"]},
    )
    return enrollment


def learner_account_follow(*, application_id: int, fields: frozenset[str], actor: Actor) -> int:
    """After an application's names or email were rectified (``intake.application_rectify``),
    the learner account made from it shows the same: its first and last name, and the email
    its sign-in links go to. Audited with the email as a keyed fingerprint; returns how many
    accounts changed (an account is shared by the same person's applications, so it follows
    the one rectified last)."""
    if not fields & {"given_names", "paternal_surname", "email"}:
        return 0
    application = Application.objects.get(pk=application_id)
    wanted = {
        "first_name": application.given_names,
        "last_name": application.paternal_surname,
        "email": application.email,
    }
    changed = 0
    for user in User.objects.filter(enrollments__application_id=application_id).distinct():
        diff = {k: [getattr(user, k), v] for k, v in wanted.items() if getattr(user, k) != v}
        if not diff:
            continue
        for name, (_old, value) in diff.items():
            setattr(user, name, value)
        user.save(update_fields=sorted(diff))
        if "email" in diff:
            diff["email"] = [audit_fingerprint(str(v)) for v in diff["email"]]
        audit_record(
            actor=actor, action="user.follow_rectification", obj=user,
            changes={**diff, "application": application.reference},
        )  # fmt: skip
        changed += 1
    return changed


@dataclass(frozen=True)
class AssignmentReport:
    placed: int
    moved: int
    unplaced: list[tuple[Enrollment, str]]
    figures: assignment.Figures


def reason_text(reason: assignment.Reason) -> str:
    """Why a learner has no cohort, in the reader's language."""
    p = reason.params
    slots = "; ".join(str(slot_label(s)) for s in p.get("slots", []) if s in Schedule.values)
    place = ubigeo.places().departments.get(p.get("department", ""), p.get("department", ""))
    if reason.code == assignment.NO_COHORT:
        if p.get("modality") == Modality.IN_PERSON:
            return _(
                "There is no in-person cohort in %(place)s (nor a virtual one) at: %(slots)s."
            ) % {
                "place": place,
                "slots": slots,
            }
        return _("There is no virtual cohort at: %(slots)s.") % {"slots": slots}
    if reason.code == assignment.NO_TRACK_FOR_SEGMENT:
        return _("No cohort at %(slots)s teaches a track open to your segment.") % {"slots": slots}
    return _("Every cohort you could join at %(slots)s is full.") % {"slots": slots}


@transaction.atomic
def cohorts_assign(*, call: Call, actor: Actor, reoptimise: bool = False) -> AssignmentReport:
    """Place every waiting enrollment of the call in a cohort (keeping placements unless
    ``reoptimise``); say why for those who cannot be placed. Locks the call's enrollments."""
    enrollments = list(
        Enrollment.objects.select_for_update()
        .filter(
            application__call=call, status__in=[Enrollment.Status.WAITING, Enrollment.Status.ACTIVE]
        )
        .select_related("application")
    )
    cohorts = list(Cohort.objects.filter(call=call).select_related("track"))
    learners = [
        assignment.Learner(
            id=e.pk,
            department=e.application.department,
            modality=e.application.modality,
            slots=frozenset(e.application.schedules),
            segment=e.application.segment,
            current_cohort_id=e.cohort_id,
        )
        for e in enrollments
    ]
    plain = [
        assignment.Cohort(
            id=c.pk,
            track_id=c.track_id,
            modality=c.modality,
            department=c.department or None,
            slot=c.slot,
            capacity=c.capacity,
            audience=frozenset(c.track.audience or []),
        )
        for c in cohorts
    ]
    result = assignment.assign(learners, plain, reoptimise=reoptimise)
    now = timezone.now()
    changed: list[Enrollment] = []
    events: list[AuditEvent] = []  # one per changed enrollment, written in bulk
    by_id = {e.pk: e for e in enrollments}
    for learner_id, cohort_id in result.placements.items():
        e = by_id[learner_id]
        if e.cohort_id != cohort_id or e.status != Enrollment.Status.ACTIVE:
            events.append(
                audit_event(
                    actor=actor,
                    action="enrollment.assign",
                    obj=e,
                    changes={"cohort": [e.cohort_id, cohort_id]},
                )
            )
            e.cohort_id, e.status, e.status_changed_at = cohort_id, Enrollment.Status.ACTIVE, now
            changed.append(e)
    for learner_id, _reason in result.unplaced:
        e = by_id[learner_id]
        if e.cohort_id is not None or e.status != Enrollment.Status.WAITING:
            events.append(
                audit_event(
                    actor=actor,
                    action="enrollment.assign",
                    obj=e,
                    changes={"cohort": [e.cohort_id, None]},
                )
            )
            e.cohort_id, e.status, e.status_changed_at = None, Enrollment.Status.WAITING, now
            changed.append(e)
    Enrollment.objects.bulk_update(
        changed, ["cohort", "status", "status_changed_at"], batch_size=2000
    )
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    # The application follows: placed in a cohort is "enrolled"; taken out, back to "accepted".
    for status, apps in (
        (Application.Status.ENROLLED, [e.application_id for e in changed if e.cohort_id]),
        (Application.Status.ACCEPTED, [e.application_id for e in changed if not e.cohort_id]),
    ):
        if apps:
            applications_status_set(
                application_ids=apps, status=status, actor=actor, reason="cohorts.assign", call=call
            )
    placed_ids = [e.pk for e in changed if e.cohort_id is not None]
    if placed_ids:
        from yachay.cohorts.tasks import send_cohort_emails

        transaction.on_commit(lambda: send_cohort_emails.enqueue(enrollment_ids=placed_ids))
    unplaced = [(by_id[i], reason_text(r)) for i, r in result.unplaced]
    return AssignmentReport(
        placed=len(result.placements), moved=len(changed), unplaced=unplaced, figures=result.figures
    )


# --- Attendance -------------------------------------------------------------------------


class CheckinRefused(Exception):
    """A check-in that cannot be recorded; ``message`` is for the learner, translated."""

    def __init__(self, code: str, message: str, status: int, wait: int = 0) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.wait = code, message, status, wait


def checkin_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    """When check-in opens and closes for this session."""
    opens = session.starts_at - dt.timedelta(minutes=settings.YACHAY_CHECKIN_OPENS_MINUTES)
    closes = session.ends_at + dt.timedelta(minutes=settings.YACHAY_CHECKIN_GRACE_MINUTES)
    return opens, closes


def _already(att: Attendance) -> CheckinRefused:
    when = dates.hm(att.recorded_at)
    return CheckinRefused(
        "already_recorded",
        _("Your attendance to this session is already recorded (%(status)s, %(time)s).")
        % {"status": att.get_status_display(), "time": when},
        409,
    )


def attendance_check_in(
    *, session: Session, user: User, code: str, method: str = Attendance.Method.CODE
) -> Attendance:
    """Record a learner's own check-in with the code on the instructor's screen.

    Refused (:class:`CheckinRefused`) for a learner of another cohort, outside the window,
    a second time, with a wrong or expired code, and after too many wrong codes; only
    wrong codes count towards the limit, per learner (a whole venue shares one address).
    """
    if method not in (Attendance.Method.CODE, Attendance.Method.QR):
        raise ValueError(method)
    enrollment = Enrollment.objects.filter(
        user=user,
        cohort_id=session.cohort_id,
        status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED],
    ).first()
    if enrollment is None:
        raise CheckinRefused(
            "not_in_cohort", _("You are not a learner of this session's cohort."), 403
        )
    now = timezone.now()
    opens, closes = checkin_window(session)
    if now < opens:
        raise CheckinRefused(
            "not_open",
            _("Check-in opens at %(time)s on %(date)s.")
            % {
                "time": dates.hm(opens),
                "date": dates.day(opens),
            },
            409,
        )
    if now > closes:
        raise CheckinRefused(
            "closed",
            _("Check-in for this session closed at %(time)s. Ask your instructor to mark you.")
            % {"time": dates.hm(closes)},
            409,
        )
    existing = Attendance.objects.filter(enrollment=enrollment, session=session).first()
    if existing is not None:
        raise _already(existing)
    # Wrong codes are counted in the audit log, per learner and over a sliding window: the
    # count holds across every worker and host without a shared cache.
    limit, seconds = parse_rate(settings.YACHAY_CHECKIN_WRONG_CODES)
    recent: list[dt.datetime] = []
    if limit:
        recent = list(
            AuditEvent.objects.filter(
                actor=user,
                action="attendance.wrong_code",
                created_at__gte=now - dt.timedelta(seconds=seconds),
            )
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:limit]
        )
    if limit and len(recent) >= limit:
        wait = max(1, int((recent[-1] + dt.timedelta(seconds=seconds) - now).total_seconds()))
        raise CheckinRefused(
            "too_many_wrong_codes",
            _(
                "Too many wrong codes. Try again in %(minutes)d minutes, or ask your "
                "instructor to mark you."
            )
            % {"minutes": max(1, round(wait / 60))},
            429,
            wait=wait,
        )
    verdict = checkin.verify(session.checkin_secret, code, time.time())
    if verdict is checkin.Verdict.EXPIRED:
        raise CheckinRefused(
            "expired_code",
            _("That code has expired. Type the code on the screen now."),
            422,
        )
    if verdict is checkin.Verdict.WRONG:
        message = _("That code is not right. Check the 6 digits on the screen.")
        if limit:
            audit_record(actor=Actor.of_user(user), action="attendance.wrong_code", obj=session)
            left = max(limit - len(recent) - 1, 0)
            message += " " + ngettext(
                "You have %(n)d attempt left.", "You have %(n)d attempts left.", left
            ) % {"n": left}
        raise CheckinRefused("wrong_code", message, 422)
    late = now > session.starts_at + dt.timedelta(minutes=settings.YACHAY_CHECKIN_LATE_MINUTES)
    att = Attendance(
        enrollment=enrollment,
        session=session,
        status=Attendance.Status.LATE if late else Attendance.Status.PRESENT,
        method=method,
        recorded_at=now,
        recorded_by=user,
    )
    try:
        with transaction.atomic():
            att.save(force_insert=True)
            audit_record(
                actor=Actor.of_user(user),
                action="attendance.check_in",
                obj=att,
                changes={"status": [None, att.status], "session": session.pk},
            )
    except IntegrityError:
        # The same phone sent the check-in twice at once: the other request recorded it.
        raise _already(Attendance.objects.get(enrollment=enrollment, session=session)) from None
    _attendance_changed([enrollment.pk])
    return att


def _attendance_changed(enrollment_ids: list[int]) -> None:
    """Attendance counts for completion: tell the apps above, after commit (learning
    re-checks completion on the task queue)."""
    if not enrollment_ids:
        return
    transaction.on_commit(
        lambda: signals.attendance_changed.send(sender=Attendance, enrollment_ids=enrollment_ids)
    )


@dataclass(frozen=True)
class Mark:
    """An instructor's mark for one learner; ``status`` None removes the mark."""

    enrollment_id: int
    status: str | None
    note: str = ""


@transaction.atomic
def attendance_mark(
    *, session: Session, marks: list[Mark], actor: Actor, method: str = Attendance.Method.MANUAL
) -> int:
    """Set (or clear) attendance by hand or from a roster, all in one transaction.

    Only learners of the session's cohort can be marked (anything else is a ValueError:
    the callers validate first). Returns how many rows changed; unchanged marks write nothing.
    """
    ids = set(Enrollment.objects.filter(cohort_id=session.cohort_id).values_list("pk", flat=True))
    if any(m.enrollment_id not in ids for m in marks):
        raise ValueError("A mark names a learner outside this session's cohort.")
    if any(m.status is not None and m.status not in Attendance.Status.values for m in marks):
        raise ValueError("Unknown attendance status.")
    existing = {
        a.enrollment_id: a
        for a in Attendance.objects.select_for_update().filter(
            session=session, enrollment_id__in=[m.enrollment_id for m in marks]
        )
    }
    now = timezone.now()
    touched: list[int] = []
    for m in marks:
        old = existing.get(m.enrollment_id)
        note = m.note.strip()[:200]
        if m.status is None:
            if old is not None:
                audit_record(
                    actor=actor,
                    action="attendance.clear",
                    obj=old,
                    changes={"status": [old.status, None]},
                )
                old.delete()
                touched.append(m.enrollment_id)
            continue
        if old is not None and old.status == m.status and old.note == note:
            continue
        att = old or Attendance(enrollment_id=m.enrollment_id, session=session)
        before = old.status if old else None
        att.status, att.note, att.method = m.status, note, method
        att.recorded_at, att.recorded_by = now, actor.user
        att.save()
        audit_record(
            actor=actor,
            action="attendance.mark",
            obj=att,
            changes={"status": [before, m.status], "method": method},
        )
        touched.append(m.enrollment_id)
    _attendance_changed(touched)
    return len(touched)


@dataclass(frozen=True)
class RosterReport:
    applied: int
    errors: list[tuple[int, str]]  # (line, message), nothing applied when not empty
    skipped: list[int]
    encoding: str


def attendance_roster_apply(*, session: Session, data: bytes, actor: Actor) -> RosterReport:
    """Apply an uploaded roster: every row valid, or nothing applied."""
    by_dni = dict(
        Enrollment.objects.filter(cohort_id=session.cohort_id).values_list("application__dni", "pk")
    )
    parsed = roster.parse_roster(data, known_dnis=set(by_dni))
    errors = [(e.line, _(roster.MESSAGES[e.code]) % e.params) for e in parsed.errors]
    if errors:
        return RosterReport(applied=0, errors=errors, skipped=[], encoding=parsed.encoding)
    marks = [Mark(by_dni[r.dni], r.status, r.note) for r in parsed.rows]
    applied = attendance_mark(
        session=session, marks=marks, actor=actor, method=Attendance.Method.ROSTER
    )
    return RosterReport(
        applied=applied,
        errors=[],
        skipped=[issue.line for issue in parsed.skipped],
        encoding=parsed.encoding,
    )


def enrollment_send_cohort_email(*, enrollment_id: int) -> bool:
    """Tell a learner their cohort, in their language, with its sessions as an .ics file:
    once per placement (a move to another cohort is a new one), however often the task runs;
    True if sent now."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string

    from yachay.cohorts.ics import cohort_calendar

    e = Enrollment.objects.select_related("application", "cohort__track").get(pk=enrollment_id)
    if e.cohort is None or e.status != Enrollment.Status.ACTIVE:
        return False
    app, cohort = e.application, e.cohort
    sessions = list(cohort.sessions.all())
    site = settings.YACHAY_SITE_URL.rstrip("/")
    with translation.override(app.language):
        context = {
            "app": app,
            "cohort": cohort,
            "sessions": sessions,
            "place": ubigeo.places().departments.get(cohort.department, ""),
            "link": f"{site}/mi-cuenta/",
        }
        subject = render_to_string("cohorts/email/cohort_subject.txt", context).strip()
        body = render_to_string("cohorts/email/cohort.txt", context)
    message = EmailMessage(subject, body, to=[app.email])
    if sessions:
        message.attach("sesiones.ics", cohort_calendar(cohort, sessions), "text/calendar")
    placed = e.status_changed_at.timestamp() if e.status_changed_at else 0
    return email_send_once(key=f"cohort:{e.pk}:{cohort.pk}:{placed:.6f}", message=message)


# --- Planning ---------------------------------------------------------------------------


def planning_demands(*, call: Call) -> tuple[list[planning.Demand], int]:
    """The call's waiting learners grouped for the planning helper, and how many of them
    no track is open to (they are left out of the plan)."""
    tracks = list(call.program.tracks.order_by("order", "name", "pk"))
    counts: dict[tuple[str, str, frozenset[str], str], int] = {}
    no_track = 0
    rows = Enrollment.objects.filter(
        application__call=call, status=Enrollment.Status.WAITING
    ).values_list(
        "application__department",
        "application__modality",
        "application__schedules",
        "application__segment",
    )
    for department, modality, schedules, segment in rows:
        track = track_for_segment(segment, tracks)
        slots = frozenset(s for s in schedules or [] if s in planning.SLOTS)
        if track is None or not slots:
            no_track += 1
            continue
        key = (department, modality, slots, track.slug)
        counts[key] = counts.get(key, 0) + 1
    demands = [
        planning.Demand(department=d, modality=m, slots=s, track=t, count=n)
        for (d, m, s, t), n in counts.items()
    ]
    return demands, no_track


@dataclass(frozen=True)
class PlannedCohorts:
    track: str  # slug
    modality: str
    department: str | None
    slot: str
    count: int


@transaction.atomic
def cohorts_create_from_plan(
    *,
    call: Call,
    rows: list[PlannedCohorts],
    capacity: int,
    starts_on: dt.date,
    ends_on: dt.date,
    actor: Actor,
) -> list[Cohort]:
    """Create the cohorts the admin kept from a plan, named so people can tell them apart."""
    if capacity < 1 or ends_on < starts_on:
        raise ValueError("capacity and dates are validated by the form")
    tracks = {t.slug: t for t in call.program.tracks.all()}
    departments = ubigeo.places().departments
    created: list[Cohort] = []
    for row in rows:
        track = tracks[row.track]
        where = departments.get(row.department or "", "") or _("Virtual")
        slot = str(Schedule(row.slot).label)
        taken = Cohort.objects.filter(
            call=call, track=track, slot=row.slot, department=row.department or ""
        ).count()
        for i in range(row.count):
            cohort = Cohort(
                call=call,
                track=track,
                # Without the track: every page shows the track next to the cohort's name.
                name=f"{where} · {slot} {taken + i + 1}",
                modality=row.modality,
                department=row.department or "",
                slot=row.slot,
                capacity=capacity,
                starts_on=starts_on,
                ends_on=ends_on,
            )
            cohort.full_clean()
            cohort.save()
            audit_record(
                actor=actor,
                action="cohort.create",
                obj=cohort,
                changes={"from": "plan", "name": cohort.name},
            )
            created.append(cohort)
    return created


@transaction.atomic
def enrollment_drop(*, enrollment: Enrollment, actor: Actor) -> bool:
    """A learner leaves the program: their seat in the cohort frees up for the next
    assignment; their attendance and progress stay as history. False if already out."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status in (Enrollment.Status.DROPPED, Enrollment.Status.COMPLETED):
        return False
    before = enrollment.status
    enrollment.status, enrollment.status_changed_at = Enrollment.Status.DROPPED, timezone.now()
    enrollment.save(update_fields=["status", "status_changed_at"])
    audit_record(
        actor=actor,
        action="enrollment.drop",
        obj=enrollment,
        changes={"status": [before, enrollment.status], "cohort": enrollment.cohort_id},
    )
    return True
