"""The surveys in the reports: response rates by stage (survey kind) and group, and the
results of one survey question by question, with the same small-cell suppression as the
rest of the reports; CSV/XLSX downloads of both tables. Scoped per role like the program's
home (``selectors.Scope.of``): program admins see everyone, coordinators their departments,
instructors the learners of their cohorts; learners and applicants have no such page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from yachay.accounts.http import AuthedHttpRequest
from yachay.core import charts, exports
from yachay.core.actors import Actor
from yachay.core.caching import personal_data
from yachay.core.numbers import format_percent, grouped, percent
from yachay.reports.selectors import Scope
from yachay.surveys import selectors as survey_selectors
from yachay.surveys.models import Survey

STAFF_LOGIN = "accounts:staff_login"
GROUP_LABELS = {
    "gender": gettext_lazy("gender"),
    "place": gettext_lazy("Lima or other regions"),
    "segment": gettext_lazy("segment"),
}
TABLES = ("response-rates", "results")


def _rate(value: float | None) -> str:
    return "—" if value is None else format_percent(percent(value, 1))


def _shown(value: float | None) -> str:
    if value is None:
        return "—"
    return grouped(round(value)) if abs(value) >= 100 else f"{value:.1f}".replace(".", ",")


class _Choice:
    def __init__(self, request: AuthedHttpRequest) -> None:
        if not request.user.works_with_cohorts:
            raise Http404
        self.scope = Scope.of(request.user)
        self.surveys = list(Survey.objects.filter(current__isnull=False).order_by("kind", "slug"))
        self.errors: dict[str, str] = {}
        by = request.GET.get("by", "gender")
        if by not in survey_selectors.GROUPS:
            self.errors["by"] = _("Choose a group from the list.")
            by = "gender"
        self.by = by
        slug = request.GET.get("survey", "")
        self.survey = self.surveys[0] if self.surveys else None
        if slug:
            self.survey = next((s for s in self.surveys if s.slug == slug), None)
            if self.survey is None:
                self.errors["survey"] = _("There is no such survey. Choose one from the list.")
        self.language = "en" if (get_language() or "es").startswith("en") else "es"

    @property
    def query(self) -> str:
        from urllib.parse import urlencode

        return urlencode({"survey": self.survey.slug if self.survey else "", "by": self.by})

    def applications(self) -> Any:
        return self.scope.applications()


def _rates_chart(stages: list[survey_selectors.StageRates]) -> Any:
    bars = [(s.label, (s.total.rate or 0) * 100) for s in stages if s.total.invited]
    if not bars:
        return None
    description = "; ".join(f"{s.label}: {_rate(s.total.rate)}" for s in stages if s.total.invited)
    return charts.bar_chart(
        bars,
        title=_("Response rate by stage"),
        description=description,
        value_label=lambda v: format_percent(round(v)),
        maximum=100,
    )


def _question_chart(result: survey_selectors.QuestionResult) -> Any:
    if not result.options or not result.respondents:
        return None
    bars = [
        (o.label[:60], (o.share(result.respondents) or 0) * 100)
        for o in result.options
        if o.count is not None
    ]
    if not bars:
        return None
    return charts.bar_chart(
        bars,
        title=result.prompt[:120],
        description="; ".join(f"{label}: {format_percent(round(v))}" for label, v in bars),
        value_label=lambda v: format_percent(round(v)),
        maximum=100,
    )


@personal_data
@login_required(login_url=STAFF_LOGIN)
@require_safe
def surveys(request: AuthedHttpRequest) -> HttpResponse:
    """Response rates by stage and group; one survey's results question by question."""
    choice = _Choice(request)
    context: dict[str, Any] = {"choice": choice, "k": settings.YACHAY_SMALL_CELL_K}
    if not choice.errors:
        applications = choice.applications()
        stages = survey_selectors.response_rates(applications, choice.by)
        results = (
            survey_selectors.results(choice.survey, applications, language=choice.language)
            if choice.survey
            else []
        )
        context.update(
            {
                "stages": stages,
                "group_label": GROUP_LABELS[choice.by],
                "group_names": [g.label for g in stages[0].groups] if stages else [],
                "rates_chart": _rates_chart(stages),
                "results": [(r, _question_chart(r)) for r in results],
                "links": {
                    t: {
                        f: reverse("reports:survey_download", args=[t, f]) + "?" + choice.query
                        for f in exports.FORMATS
                    }
                    for t in TABLES
                },
            }
        )
    return render(request, "reports/surveys.html", context, status=400 if choice.errors else 200)


def _table(name: str, choice: _Choice) -> tuple[list[str], list[list[Any]]]:
    applications = choice.applications()
    if name == "response-rates":
        header = [_("Stage"), str(GROUP_LABELS[choice.by]), _("Invited"), _("Answered"), _("Rate")]
        rows = []
        for stage in survey_selectors.response_rates(applications, choice.by):
            for cell in [*stage.groups, stage.total]:
                rows.append(
                    [stage.label, cell.label, cell.invited, cell.submitted, _rate(cell.rate)]
                )
        return header, rows
    header = [_("Question"), _("Answer"), _("People"), _("Share"), _("Mean"), _("Median")]
    rows = []
    if choice.survey is None:
        return header, rows
    for r in survey_selectors.results(choice.survey, applications, language=choice.language):
        if r.options:
            for o in r.options:
                rows.append([r.prompt, o.label, o.count, _rate(o.share(r.respondents)), "", ""])
        rows.append([r.prompt, _("Answered"), r.respondents, "", _shown(r.mean), _shown(r.median)])
    return header, rows


@login_required(login_url=STAFF_LOGIN)
@require_safe
def download(request: AuthedHttpRequest, table: str, fmt: str) -> HttpResponseBase:
    """The response rates or one survey's results as CSV or XLSX (suppressed as on the page;
    audited)."""
    if table not in TABLES or fmt not in exports.FORMATS:
        raise Http404
    choice = _Choice(request)
    if choice.errors:
        return render(request, "reports/surveys.html", {"choice": choice}, status=400)
    header, rows = _table(table, choice)
    return exports.export_response(
        fmt,
        name=f"encuestas-{table}" + (f"-{choice.survey.slug}" if choice.survey else ""),
        header=header,
        rows=rows,
        actor=Actor.of_user(request.user),
        filters={
            "survey": choice.survey.slug if choice.survey else "",
            "by": choice.by,
            "scope": choice.scope.kind,
        },
    )
