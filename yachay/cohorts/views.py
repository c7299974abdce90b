"""Pages for instructors and coordinators (their cohorts, sessions, attendance) and for
learners (checking in to a session, their cohort's calendar)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from yachay.accounts.http import AuthedHttpRequest
from yachay.accounts.models import Role
from yachay.accounts.services import may_use_two_factor
from yachay.cohorts import checkin, homes, roster, selectors, services
from yachay.cohorts.forms import CheckinForm, MarksForm, RosterUploadForm
from yachay.cohorts.ics import cohort_calendar
from yachay.cohorts.models import Attendance, Enrollment, Session
from yachay.core.actors import Actor
from yachay.core.caching import personal_data

LOGIN = "/entrar/"  # learners' pages: sign in by an emailed link
STAFF_LOGIN = "accounts:staff_login"  # staff pages: username and password


def _staff(request: AuthedHttpRequest) -> None:
    if not request.user.works_with_cohorts:
        raise Http404


def mark_symbols() -> dict[str, str]:
    """The one-letter mark of each attendance status in the cohort's grid (see its legend)."""
    return {
        Attendance.Status.PRESENT: pgettext("attendance mark for present", "P"),
        Attendance.Status.LATE: pgettext("attendance mark for late", "L"),
        Attendance.Status.ABSENT: pgettext("attendance mark for absent", "A"),
        Attendance.Status.EXCUSED: pgettext("attendance mark for excused", "E"),
    }


def is_live(session: Session, now: dt.datetime) -> bool:
    """Check-in is open: from shortly before the start to shortly after the end."""
    opens, closes = services.checkin_window(session)
    return opens <= now <= closes


@dataclass(frozen=True)
class Cell:
    """One learner's mark for one session in the cohort's grid."""

    status: str | None  # None: not marked
    symbol: str
    label: str
    held: bool  # the session has started
    live: bool


@login_required(login_url=STAFF_LOGIN)
def cohort_list(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request)
    user = request.user
    cohorts = list(
        selectors.cohorts_visible(user)
        .select_related("track", "call")
        .order_by("starts_on", "name")
    )
    now = timezone.now()
    live: dict[int, Session] = {}
    for s in selectors.sessions_live(cohorts, now):
        live.setdefault(s.cohort_id, s)
    return render(
        request,
        "cohorts/cohort_list.html",
        {
            "cohorts": [(c, live.get(c.pk)) for c in cohorts],
            # Instructors see only the cohorts they teach; coordinators only read.
            "can_mark": user.is_program_admin or user.role == Role.INSTRUCTOR,
        },
    )


@login_required(login_url=STAFF_LOGIN)
def cohort_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    cohort = selectors.cohort_for_staff(request.user, pk)
    enrollments = selectors.roster(cohort, request.user)
    sessions, marks, figures = selectors.attendance_grid(cohort, enrollments)
    now = timezone.now()
    live = [s for s in sessions if is_live(s, now)]
    symbols = mark_symbols()
    labels = dict(Attendance.Status.choices)
    not_marked = _("not marked")

    def cell(a: Attendance | None, s: Session) -> Cell:
        held = s.starts_at <= now
        if a is None:
            return Cell(None, "·" if held else "", not_marked if held else "", held, s in live)
        return Cell(a.status, symbols[a.status], str(labels[a.status]), held, s in live)

    rows = [
        (e, [cell(marks[e.pk].get(s.pk), s) for s in sessions], figures[e.pk]) for e in enrollments
    ]
    legend = [(status, symbols[status], label) for status, label in Attendance.Status.choices]
    return render(
        request,
        "cohorts/cohort_detail.html",
        {
            "cohort": cohort,
            "sessions": [(s, s in live) for s in sessions],
            "live": live[0] if live else None,
            "rows": rows,
            "legend": legend,
            "can_mark": selectors.can_mark(request.user, cohort),
        },
    )


def _session_for_staff(request: AuthedHttpRequest, pk: int, *, mark: bool = False) -> Session:
    session = selectors.session_for_staff(request.user, pk)
    if mark and not selectors.can_mark(request.user, session.cohort):
        raise PermissionDenied
    return session


@login_required(login_url=STAFF_LOGIN)
@require_http_methods(["GET", "POST"])
def session_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The roster of one session: marks by hand, roster download and upload."""
    session = _session_for_staff(request, pk, mark=request.method == "POST")
    cohort = session.cohort
    enrollments = selectors.roster(cohort, request.user)
    current = {a.enrollment_id: a for a in Attendance.objects.filter(session=session)}
    initial = {f"e{e.pk}": current[e.pk].status for e in enrollments if e.pk in current}
    upload = RosterUploadForm()
    report = None
    if request.method == "POST" and "roster" in request.FILES:
        form = MarksForm(initial=initial, enrollments=enrollments)
        upload = RosterUploadForm(request.POST, request.FILES)
        if upload.is_valid():
            report = services.attendance_roster_apply(
                session=session,
                data=upload.cleaned_data["roster"],
                actor=Actor.of_user(request.user),
            )
            if not report.errors:
                messages.success(
                    request,
                    ngettext(
                        "Roster applied: %(n)d mark changed.",
                        "Roster applied: %(n)d marks changed.",
                        report.applied,
                    )
                    % {"n": report.applied},
                )
                return redirect("cohorts:session", pk=session.pk)
    elif request.method == "POST":
        form = MarksForm(request.POST, initial=initial, enrollments=enrollments)
        if form.is_valid():
            marks = [
                services.Mark(enrollment_id, status, current[enrollment_id].note)
                if enrollment_id in current and status is not None
                else services.Mark(enrollment_id, status)
                for enrollment_id, status in form.marks().items()
            ]
            changed = services.attendance_mark(
                session=session,
                marks=marks,
                actor=Actor.of_user(request.user),
            )
            messages.success(
                request,
                ngettext("%(n)d mark saved.", "%(n)d marks saved.", changed) % {"n": changed},
            )
            return redirect("cohorts:session", pk=session.pk)
    else:
        form = MarksForm(initial=initial, enrollments=enrollments)
    opens, closes = services.checkin_window(session)
    rows = [(e, form[f"e{e.pk}"], current.get(e.pk)) for e in enrollments]
    return render(
        request,
        "cohorts/session_detail.html",
        {
            "session": session,
            "cohort": cohort,
            "rows": rows,
            "form": form,
            "upload": upload,
            "report": report,
            "opens": opens,
            "closes": closes,
            "live": opens <= timezone.now() <= closes,
            "can_mark": selectors.can_mark(request.user, cohort),
        },
    )


@login_required(login_url=STAFF_LOGIN)
def session_roster_csv(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The roster to take attendance on paper or in a spreadsheet where there is no signal."""
    session = _session_for_staff(request, pk, mark=True)
    enrollments = selectors.roster(session.cohort, request.user)
    current = dict(
        Attendance.objects.filter(session=session).values_list("enrollment_id", "status")
    )
    rows = [
        roster.RosterRow(
            dni=e.application.dni,
            last_names=" ".join(
                p for p in (e.application.paternal_surname, e.application.maternal_surname) if p
            ),
            first_names=e.application.given_names,
            status=current.get(e.pk),
        )
        for e in enrollments
    ]
    labels = {value: str(label) for value, label in Attendance.Status.choices}
    response = HttpResponse(
        roster.roster_csv(rows, status_labels=labels), content_type="text/csv; charset=utf-8"
    )
    name = f"asistencia-{session.starts_at:%Y%m%d}-sesion-{session.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def checkin_url(session: Session, code: str) -> str:
    path = reverse("cohorts:checkin", args=[session.pk])
    return f"{settings.YACHAY_SITE_URL.rstrip('/')}{path}?c={code}"


def _code_now(session: Session) -> dict[str, Any]:
    """What the projector shows now: the code, its QR code, when it changes, who is in."""
    now = time.time()
    code, seconds_left = checkin.current_code(session.checkin_secret, now)
    changes_at = timezone.localtime(dt.datetime.fromtimestamp(now + seconds_left, tz=dt.UTC))
    qr = segno.make(checkin_url(session, code), error="m")
    svg = qr.svg_inline(dark="#1c1c1c", light="#fff", omitsize=True, title=_("QR code to check in"))
    attended = Attendance.objects.filter(session=session, status__in=Attendance.ATTENDED).count()
    return {
        "code": f"{code[:3]} {code[3:]}",
        "seconds_left": seconds_left,
        "changes_at": formats.time_format(changes_at, "H:i:s"),
        "changes_at_iso": changes_at.isoformat(),
        # The SVG comes from segno, not from anyone's input; role=img names it by its title.
        "qr_svg": svg.replace("<svg ", '<svg role="img" ', 1),
        "attended": attended,
        "attended_text": ngettext("%(n)d learner checked in", "%(n)d learners checked in", attended)
        % {"n": attended},
    }


@never_cache
@login_required(login_url=STAFF_LOGIN)
def session_code(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The rotating code and its QR code, for the projector. A small script fetches each new
    code from :func:`session_code_json` (no meta refresh: it reloads under a screen reader's
    feet); without JavaScript the page says when the code changes and has a refresh link."""
    session = _session_for_staff(request, pk, mark=True)
    opens, closes = services.checkin_window(session)
    return render(
        request,
        "cohorts/session_code.html",
        {
            "session": session,
            "now": _code_now(session),
            "period": checkin.PERIOD,
            "opens": opens,
            "closes": closes,
            "live": opens <= timezone.now() <= closes,
        },
    )


@never_cache
@login_required(login_url=STAFF_LOGIN)
def session_code_json(request: AuthedHttpRequest, pk: int) -> JsonResponse:
    """The projector's current code, QR code (SVG), when it changes and how many are in."""
    session = _session_for_staff(request, pk, mark=True)
    return JsonResponse(_code_now(session))


@login_required(login_url=LOGIN)
@require_http_methods(["GET", "POST"])
def checkin_page(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A learner checks in by typing the code, or by scanning the QR (which fills it in).
    GET never checks in: it shows the form, so a link preview cannot record anyone."""
    user = request.user
    session = get_object_or_404(
        Session.objects.select_related("cohort"), pk=pk, cohort__enrollments__user=user
    )
    recorded = Attendance.objects.filter(session=session, enrollment__user=user).first()
    refusal = None
    if request.method == "POST" and recorded is not None:
        return redirect("cohorts:checkin", pk=session.pk)  # a second tap: show what is recorded
    if request.method == "POST":
        form = CheckinForm(request.POST)
        if form.is_valid():
            method = (
                Attendance.Method.QR if form.cleaned_data["via"] == "qr" else Attendance.Method.CODE
            )
            try:
                recorded = services.attendance_check_in(
                    session=session,
                    user=user,
                    code=form.cleaned_data["code"],
                    method=method,
                )
            except services.CheckinRefused as refused:
                refusal = refused
                form = CheckinForm(initial={"code": "", "via": form.cleaned_data["via"]})
            else:
                return redirect("cohorts:checkin", pk=session.pk)
    else:
        code = request.GET.get("c", "")[:12]
        form = CheckinForm(initial={"code": code, "via": "qr" if code else ""})
    status = refusal.status if refusal else (400 if form.errors else 200)
    return render(
        request,
        "cohorts/checkin.html",
        {"session": session, "form": form, "recorded": recorded, "refusal": refusal},
        status=status,
    )


@personal_data
@login_required(login_url="/entrar/")
def me(request: AuthedHttpRequest) -> HttpResponse:
    """A learner's place: their cohort, its sessions, check-in when one is open."""
    user = request.user
    enrollments = list(selectors.learner_enrollments(user))
    now = timezone.now()
    open_ids = set()
    for e in enrollments:
        for s in e.cohort.sessions.all() if e.cohort else ():
            opens, closes = services.checkin_window(s)
            if opens <= now <= closes:
                open_ids.add(s.pk)
    # A session already recorded (checked in, or marked by the instructor) asks for nothing.
    recorded = {
        a.session_id: a.get_status_display()
        for a in Attendance.objects.filter(enrollment__in=enrollments, session_id__in=open_ids)
    }
    context = {
        "enrollments": [(e, selectors.attendance_figures(e)) for e in enrollments],
        "open_ids": open_ids - recorded.keys(),
        "recorded": recorded,
        "staff": user.works_with_cohorts,
        "two_factor": may_use_two_factor(user),
    }
    return render(request, "cohorts/me.html", context)


@login_required(login_url=LOGIN)
def learner_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The .ics of the learner's own cohort; another learner's enrollment id is a 404."""
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("cohort"), pk=pk, user=request.user
    )
    if enrollment.cohort is None:
        raise Http404(_("You have no cohort yet."))
    body = cohort_calendar(enrollment.cohort, enrollment.cohort.sessions.all())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="yachay-sesiones.ics"'
    return response


@login_required(login_url=STAFF_LOGIN)
def home(request: AuthedHttpRequest) -> HttpResponse:
    """Each role's home after sign-in: the program office's, a coordinator's, an
    instructor's. A learner has their own page (Mi cuenta)."""
    user = request.user
    if user.is_program_admin:
        return render(request, "cohorts/home_program.html", {"home": homes.program_home(user)})
    if user.is_coordinator:
        context: dict[str, object] = {"home": homes.coordinator_home(user)}
        return render(request, "cohorts/home_coordinator.html", context)
    if user.works_with_cohorts:
        return render(
            request, "cohorts/home_instructor.html", {"home": homes.instructor_home(user)}
        )
    return redirect("cohorts:me")
