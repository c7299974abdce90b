"""The program's home for staff: the funnel of a call, its targets through the funnel, the
map, the cohorts, where learners stop, the quality of quiz questions, and every table as a
download. Scoped per role (``selectors.Scope.of``): program admins see everything,
coordinators their departments, instructors the learners of their cohorts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yachay.accounts.http import AuthedHttpRequest
from yachay.core import charts, exports
from yachay.core.actors import Actor
from yachay.core.caching import personal_data
from yachay.core.numbers import format_percent, grouped, percent
from yachay.learning.models import Course
from yachay.programs.models import Call
from yachay.reports import dimensions, selectors, tilemap
from yachay.reports.forms import STAGE_LABELS, FilterForm
from yachay.reports.selectors import STAGES, Scope, ScopeError

STAFF_LOGIN = "accounts:staff_login"
COHORTS_PER_PAGE = 25


def _rate_text(value: float | None) -> str:
    return "—" if value is None else format_percent(percent(value, 1))


def _staff_scope(request: AuthedHttpRequest) -> Scope:
    if not request.user.works_with_cohorts:
        raise Http404
    return Scope.of(request.user)


def default_call() -> Call | None:
    """The newest call with a published selection, else the newest call."""
    calls = Call.objects.select_related("program").order_by("-opens_at", "-pk")
    return calls.filter(selection_runs__state="published").first() or calls.first()


@dataclass
class Filters:
    form: FilterForm
    call: Call | None
    scope: Scope
    by: str
    measure: str
    since: dt.date | None
    until: dt.date | None
    status: int = 200

    @property
    def query(self) -> str:
        """The filters as a query string, for the download links."""
        from urllib.parse import urlencode

        params = {
            "call": self.call.pk if self.call else "",
            "by": self.by,
            "region": self.scope.region or "",
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return urlencode({k: v for k, v in params.items() if v})


def _filters(request: AuthedHttpRequest) -> Filters:
    """The page's filters from its GET form. Invalid: the form with its errors and no
    figures (status 400; 403 for a department outside the user's scope)."""
    scope = _staff_scope(request)
    bound = bool(request.GET)
    form = FilterForm(request.GET if bound else None, scope=scope)
    if not bound:
        call = default_call()
        initial_call = call.pk if call else None
        form = FilterForm(scope=scope, initial={"call": initial_call, "by": "department"})
        return Filters(form, call, scope, "department", "placed", None, None)
    if not form.is_valid():
        return Filters(
            form,
            None,
            scope,
            "department",
            "placed",
            None,
            None,
            403 if form.outside_scope else 400,
        )
    data = form.cleaned_data
    try:
        narrowed = scope.narrowed(data.get("region") or None)
    except ScopeError:  # the form's choices already refuse it; kept as a second lock
        return Filters(form, None, scope, "department", "placed", None, None, 403)
    return Filters(
        form,
        data.get("call") or default_call(),
        narrowed,
        data.get("by") or "department",
        data.get("measure") or "placed",
        data.get("since"),
        data.get("until"),
    )


def _funnel_chart(total: selectors.FunnelRow) -> Any:
    bars = [(str(STAGE_LABELS[s]), float(total.counts[s])) for s in STAGES]
    desc = "; ".join(
        f"{STAGE_LABELS[s]}: {grouped(total.counts[s])}"
        + (f" ({_rate_text(total.rate(s))})" if total.rate(s) is not None else "")
        for s in STAGES
    )
    return charts.bar_chart(
        bars,
        title=_("The funnel: people at each stage"),
        description=desc,
        value_label=lambda v: grouped(int(v)),
    )


def _weekly_chart(weeks: list[selectors.Week]) -> Any:
    if not weeks:
        return None
    labels = [w.starts_on.strftime("%d/%m/%Y") for w in weeks]
    series = [
        (str(STAGE_LABELS[s]), [float(w.cumulative[s]) for w in weeks])
        for s in selectors.DATED_STAGES
    ]
    last = weeks[-1].cumulative
    desc = _("Running totals from the week of %(first)s to the week of %(last)s: %(totals)s.") % {
        "first": labels[0],
        "last": labels[-1],
        "totals": ", ".join(
            f"{STAGE_LABELS[s]} {grouped(last[s])}" for s in selectors.DATED_STAGES
        ),
    }
    return charts.line_chart(
        labels, series, title=_("Week by week, running totals"), description=desc
    )


def _measure_value(row: selectors.FunnelRow, measure: str) -> float | None:
    if measure.startswith("rate_"):
        return row.rate(measure.removeprefix("rate_"))
    return float(row.counts.get(measure, 0))


def _map(funnel_by_region: selectors.Funnel, measure: str, label: str) -> Any:
    is_rate = measure.startswith("rate_")
    values = {r.key: _measure_value(r, measure) for r in funnel_by_region.rows}
    if is_rate:
        values = {k: (None if v is None else v * 100) for k, v in values.items()}
    shown = [(r.label, values[r.key]) for r in funnel_by_region.rows if values[r.key]]
    shown.sort(key=lambda kv: -(kv[1] or 0))

    def fmt(v: float) -> str:
        return format_percent(round(v)) if is_rate else grouped(round(v))

    desc = _("%(measure)s by department, highest first: %(list)s.") % {
        "measure": label,
        "list": ", ".join(f"{n} {fmt(v or 0)}" for n, v in shown) or _("no data yet"),
    }
    return charts.tile_map(
        tilemap.peru_tiles(),
        values,
        title=_("Map of Peru by department: %(measure)s") % {"measure": label},
        description=desc,
        value_label=fmt,
        no_data_legend=_("no data"),
    )


@personal_data
@login_required(login_url=STAFF_LOGIN)
def home(request: AuthedHttpRequest) -> HttpResponse:
    """The program's home: the funnel, its breakdown, the weeks, the targets, the map."""
    f = _filters(request)
    context: dict[str, Any] = {
        "filters": f,
        "form": f.form,
        "stages": STAGES,
        "links": download_links(f.query),
    }
    if f.call is not None and f.status == 200:
        funnel = selectors.funnel(f.call, scope=f.scope, by=f.by)
        weeks = [
            w
            for w in funnel.weeks
            if (f.since is None or w.starts_on >= f.since - dt.timedelta(days=6))
            and (f.until is None or w.starts_on <= f.until)
        ]
        by_region = (
            funnel
            if f.by == "department"
            else selectors.funnel(f.call, scope=f.scope, by="department", weekly=False)
        )
        measure_label = dict(f.form.fields["measure"].choices).get(f.measure, f.measure)  # type: ignore[attr-defined]  # ChoiceField
        context.update(
            funnel=funnel,
            weeks=weeks,
            funnel_chart=_funnel_chart(funnel.total),
            weekly_chart=_weekly_chart(weeks),
            by_label=dimensions.DIMENSIONS[f.by],
            breakdown_chart=charts.bar_chart(
                [(r.label, float(r.counts["applied"])) for r in funnel.rows if r.counts["applied"]],
                title=_("Applied, by %(by)s") % {"by": dimensions.DIMENSIONS[f.by]},
                description="; ".join(
                    f"{r.label}: {grouped(r.counts['applied'])}"
                    for r in funnel.rows
                    if r.counts["applied"]
                )
                or _("no data yet"),
                value_label=lambda v: grouped(int(v)),
            ),
            targets=selectors.targets_followed(f.call, scope=f.scope),
            activity_as_of=selectors.activity_as_of(),
            target_stages=selectors.TARGET_STAGES,
            map_svg=_map(by_region, f.measure, str(measure_label)),
            map_rows=by_region.rows,
            measure=f.measure,
            measure_label=measure_label,
        )
    return render(request, "reports/home.html", context, status=f.status)


@personal_data
@login_required(login_url=STAFF_LOGIN)
def cohorts(request: AuthedHttpRequest) -> HttpResponse:
    """Cohorts: attendance per cohort and session, completion, instructors compared, and
    where learners stop in each course."""
    f = _filters(request)
    context: dict[str, Any] = {"filters": f, "form": f.form, "links": download_links(f.query)}
    if f.call is not None and f.status == 200:
        figures = selectors.cohort_figures(f.call, scope=f.scope)
        page = Paginator(figures, COHORTS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            page=page,
            cohort_count=len(figures),
            instructors=selectors.instructors_compared(figures),
            stops=selectors.course_stops(f.call, scope=f.scope),
        )
    return render(request, "reports/cohorts.html", context, status=f.status)


@personal_data
@login_required(login_url=STAFF_LOGIN)
def quality(request: AuthedHttpRequest) -> HttpResponse:
    """Quiz questions' difficulty and discrimination, for the program office (which writes
    and imports the courses). Others are told in words that the page is not theirs."""
    scope = _staff_scope(request)
    if scope.kind != "all":
        raise PermissionDenied(_("Only the program office sees the quality of the questions."))
    courses = list(Course.objects.filter(current_version__isnull=False).order_by("title"))
    chosen = request.GET.get("course", "")
    error = ""
    course = courses[0] if courses else None
    if chosen:
        course = next((c for c in courses if c.slug == chosen), None)
        if course is None:
            error = _("There is no such course. Choose one from the list.")
    rows = selectors.question_quality(course, scope=scope) if course else []
    return render(
        request,
        "reports/quality.html",
        {"courses": courses, "course": course, "rows": rows, "error": error},
        status=400 if error else 200,
    )


# -- downloads ---------------------------------------------------------------------------------

TABLES = ("funnel", "weeks", "targets", "cohorts", "sessions", "instructors", "stops", "people")


def _table(name: str, f: Filters) -> tuple[list[str], Any, bool]:
    """(header, rows, holds personal data) of table ``name`` for the filters."""
    assert f.call is not None
    stage_names = [str(STAGE_LABELS[s]) for s in STAGES]
    if name == "funnel":
        funnel = selectors.funnel(f.call, scope=f.scope, by=f.by, weekly=False)
        header = [str(dimensions.DIMENSIONS[f.by]), *stage_names]
        rows = [[r.label, *(r.counts[s] for s in STAGES)] for r in funnel.rows]
        rows.append([_("Total"), *(funnel.total.counts[s] for s in STAGES)])
        return header, rows, False
    if name == "weeks":
        weeks = selectors.weekly_series(f.call, scope=f.scope)
        header = [_("Week of")] + [str(STAGE_LABELS[s]) for s in selectors.DATED_STAGES]
        return (
            header,
            [[w.starts_on, *(w.counts[s] for s in selectors.DATED_STAGES)] for w in weeks],
            False,
        )
    if name == "targets":
        header = [_("Target"), _("Stage"), _("In the group"), _("At the stage"), _("Kept")]
        rows = [
            [str(t.target), str(STAGE_LABELS[s.stage]), s.group, s.total, s.met]
            for t in selectors.targets_followed(f.call, scope=f.scope)
            for s in t.stages
        ]
        return header, rows, False
    if name in ("cohorts", "sessions", "instructors"):
        figures = selectors.cohort_figures(f.call, scope=f.scope)
        if name == "cohorts":
            header = [
                _("Cohort"),
                _("Instructors"),
                _("Learners"),
                _("Sessions held"),
                _("Attendance"),
                pgettext("report column", "Completed"),
            ]
            rows = [
                [
                    c.cohort.name,
                    ", ".join(c.instructors),
                    c.learners,
                    len(c.sessions),
                    c.attendance_rate,
                    c.completed,
                ]
                for c in figures
            ]
            return header, rows, False
        if name == "sessions":
            header = [
                _("Cohort"),
                _("Session"),
                _("Starts"),
                pgettext("report column", "Attended"),
                _("Learners"),
            ]
            rows = [
                [c.cohort.name, s.session.topic, s.session.starts_at, s.attended, s.learners]
                for c in figures
                for s in c.sessions
            ]
            return header, rows, False
        header = [
            _("Instructor"),
            _("Cohorts"),
            _("Learners"),
            _("Attendance"),
            pgettext("report column", "Completed"),
        ]
        rows = [
            [i.name, i.cohorts, i.learners, i.attendance_rate, i.completed]
            for i in selectors.instructors_compared(figures)
        ]
        return header, rows, False
    if name == "stops":
        header = [_("Course"), _("Position"), _("Activity"), _("Reached"), _("Stopped here")]
        rows = [
            [c.course.title, r.activity.position + 1, r.activity.title, r.reached, r.stopped]
            for c in selectors.course_stops(f.call, scope=f.scope)
            for r in c.rows
        ]
        return header, rows, False
    if name == "people":
        header = [
            _("Reference"),
            _("Name"),
            _("Department"),
            _("Gender"),
            _("Segment"),
            _("Furthest stage"),
        ]
        return header, selectors.people(f.call, scope=f.scope), True
    raise Http404


@login_required(login_url=STAFF_LOGIN)
def download(request: AuthedHttpRequest, table: str, fmt: str) -> HttpResponseBase:
    """One table of the reports as CSV or XLSX, for the same filters as the page; audited
    (who, which table, the filters, how many rows)."""
    if table not in TABLES or fmt not in exports.FORMATS:
        raise Http404
    f = _filters(request)
    if f.status != 200 or f.call is None:
        return render(request, "reports/home.html", {"filters": f, "form": f.form}, status=f.status)
    header, rows, personal = _table(table, f)
    if personal and not f.scope.personal:
        raise PermissionDenied
    filters = {
        "call": f.call.slug,
        "by": f.by,
        "region": f.scope.region or "",
        "scope": f.scope.kind,
    }
    return exports.export_response(
        fmt,
        name=f"{table}-{f.call.slug}",
        header=header,
        rows=rows,
        actor=Actor.of_user(request.user),
        filters=filters,
    )


def download_links(query: str) -> dict[str, dict[str, str]]:
    return {
        t: {
            fmt: reverse("reports:download", args=[t, fmt]) + (f"?{query}" if query else "")
            for fmt in exports.FORMATS
        }
        for t in TABLES
    }
