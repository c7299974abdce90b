from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from yachay.accounts.http import signed_in_user
from yachay.core import ubigeo
from yachay.core.actors import Actor
from yachay.core.admin import ReadOnlyProgramAdmin
from yachay.core.choices import DepartmentGroup, Gender, Segment
from yachay.core.text import spanish_sort_key
from yachay.intake.admin import ApplicationAdmin as IntakeApplicationAdmin
from yachay.intake.models import Application
from yachay.programs.admin import CallAdmin as ProgramsCallAdmin
from yachay.programs.models import Call
from yachay.selection import services
from yachay.selection.models import CRITERIA, Decision, Offer, SelectionPolicy, SelectionRun
from yachay.selection.selectors import (
    RULE_LABELS,
    explain,
    policy_text,
    run_status_text,
    seconds_text,
    shortfall_text,
    target_line,
)

# An application's page shows first what its applicant reads about their selection: intake
# registers the page, selection (above it) adds that field to it.
admin.site.unregister(Application)


@admin.register(Application)
class ApplicationAdmin(IntakeApplicationAdmin):
    readonly_fields = ["selection", *IntakeApplicationAdmin.readonly_fields]
    fields = tuple(readonly_fields)

    @admin.display(description=_("what the applicant reads on their status page"))
    def selection(self, obj: Application) -> str:
        """The applicant's own words about their selection, for their coordinator too."""
        explanation = explain(obj)
        return " ".join([explanation.text, *explanation.reasons])


class _PolicyFormBase(forms.ModelForm):
    """One number field per score criterion instead of raw JSON."""

    class Meta:
        model = SelectionPolicy
        fields = ("kind", "seed", "mode", "offer_days")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        weights = self.instance.weights or {}
        for code in CRITERIA:
            self.initial.setdefault(f"w_{code}", weights.get(code, 0))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weights = {c: data.get(f"w_{c}") or 0 for c in CRITERIA}
        if data.get("kind") == SelectionPolicy.Kind.SCORE and not any(weights.values()):
            raise forms.ValidationError(
                _(
                    "The priority is a score from weighted criteria: give a weight to at least "
                    "one criterion, or choose the lottery. With no weight every applicant has "
                    "the same priority."
                ),
                code="no_weights",
            )
        return data

    def save(self, commit: bool = True) -> SelectionPolicy:
        self.instance.weights = {
            code: self.cleaned_data.get(f"w_{code}") or 0
            for code in CRITERIA
            if self.cleaned_data.get(f"w_{code}")
        }
        return super().save(commit)


# Declared on the class (not added in __init__), so that the admin renders and saves them.
PolicyForm = type(
    "PolicyForm",
    (_PolicyFormBase,),
    {
        f"w_{code}": forms.IntegerField(
            label=format_lazy("{}: {}", _("Weight"), label),
            min_value=0,
            max_value=100,
            required=False,
            help_text=_("0 = does not count. Points added to the priority of who meets it."),
        )
        for code, label in CRITERIA.items()
    },
)


class PolicyInline(admin.StackedInline):
    model = SelectionPolicy
    form = PolicyForm
    can_delete = False
    extra = 1
    max_num = 1


@admin.register(SelectionRun)
class SelectionRunAdmin(ReadOnlyProgramAdmin):
    """Runs are read here; they are reviewed and published on the run's own page."""

    list_display = (
        "id", "call", "state", "status_words", "admitted_count", "total_shortfall", "created_at",
    )  # fmt: skip
    list_filter = ("state", "call")
    fields = (
        "review_link", "call", "state", "status_words", "error", "seed", "policy_words",
        "objective", "total_shortfall", "target_table_html", "shortfall_list",
        "department_table", "seconds", "started_by", "created_at", "published_at",
        "decisions_hash", "inputs_hash",
    )  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SelectionRun]:
        # The stored inputs and decision lists are large: not needed for the list.
        return super().get_queryset(request).defer("problem").select_related("created_by")

    @admin.display(description=_("review"))
    def review_link(self, run: SelectionRun) -> str:
        label = (
            _("Review and publish")
            if run.state == SelectionRun.State.DRY_RUN
            else _("Open the run's page")
        )
        return format_html(
            '<a class="button" href="{}">{}</a>', reverse("selection:run", args=[run.pk]), label
        )

    @admin.display(description=_("result"))
    def status_words(self, run: SelectionRun) -> str:
        return run_status_text(run)

    @admin.display(description=_("policy"))
    def policy_words(self, run: SelectionRun) -> str:
        return format_html_join("", "<p>{}: {}</p>", policy_text(run.policy or {}, run.mode)) or "—"

    @admin.display(description=_("solve time"))
    def seconds(self, run: SelectionRun) -> str:
        return seconds_text(run.solve_seconds)

    @admin.display(description=_("started by"))
    def started_by(self, run: SelectionRun) -> str:
        user = run.created_by
        return (user.get_full_name() or user.get_username()) if user else str(_("the system"))

    @admin.display(description=_("admitted"))
    def admitted_count(self, run: SelectionRun) -> int:
        return len(run.admitted_ids)

    @admin.display(description=_("target table"))
    def target_table_html(self, run: SelectionRun) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    line.group,
                    line.wanted,
                    line.eligible,
                    line.achieved,
                    _("met")
                    if line.met
                    else format_html(
                        "<strong>{}</strong>", _("short by %(n)s") % {"n": line.shortfall}
                    ),
                )
                for line in (target_line(r, run.admit_count) for r in run.targets)
            ),
        )
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("group"), _("target"), _("eligible"), _("achieved"), _("met"),
        )  # fmt: skip
        return format_html("<table>{}{}</table>", head, rows)

    @admin.display(description=_("cannot be met"))
    def shortfall_list(self, run: SelectionRun) -> str:
        texts = ((shortfall_text(s, run.targets),) for s in run.shortfalls)
        return format_html_join("", "<p>{}</p>", texts) or "—"

    @admin.display(description=_("per department (eligible / admitted)"))
    def department_table(self, run: SelectionRun) -> str:
        names = ubigeo.places().departments
        rows: list[tuple[str, object, object]] = [
            (names.get(d, d), c["eligible"], c["admitted"]) for d, c in run.departments.items()
        ]
        rows.sort(key=lambda row: spanish_sort_key(row[0]))
        return format_html_join("; ", "{}: {} / {}", rows)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyProgramAdmin):
    list_display = ("application", "outcome", "position", "priority", "decided_at")
    list_filter = ("outcome", "run__call")
    list_select_related = ("application",)
    search_fields = ("application__reference",)
    ordering = ("outcome", "position")
    # The copied group codes (gender, department…) are for promotion's queries, not people.
    fields = readonly_fields = (
        "run",
        "application",
        "outcome",
        "position",
        "priority",
        "groups",
        "rules_words",
        "decided_at",
    )

    @admin.display(description=_("groups the targets count"))
    def groups(self, decision: Decision) -> str:
        if not decision.gender:
            return "—"
        departments = ubigeo.places().departments
        words = [
            str(dict(Gender.choices).get(decision.gender, decision.gender)),
            str(dict(DepartmentGroup.choices).get(decision.department_group, "")),
            departments.get(decision.department, decision.department),
            str(dict(Segment.choices).get(decision.segment, decision.segment)),
        ]
        return " · ".join(w for w in words if w)

    @admin.display(description=_("rules failed"))
    def rules_words(self, decision: Decision) -> str:
        return "; ".join(str(RULE_LABELS.get(code, code)) for code in decision.rules) or "—"


@admin.action(description=_("Run selection (dry run) for the selected call"))
def dry_run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Call]) -> None:
    for call in queryset:
        try:
            run = services.selection_dry_run(
                call=call, actor=Actor.of_user(signed_in_user(request))
            )
        except services.SelectionRefused as exc:
            modeladmin.message_user(request, f"{call}: {exc.message}", messages.ERROR)
            continue
        modeladmin.message_user(
            request,
            format_html(
                '{}: <a href="{}">{}</a>',
                call,
                reverse("selection:run", args=[run.pk]),
                _("dry run no. %(id)s ready: review it before publishing") % {"id": run.pk},
            ),
            messages.SUCCESS,
        )


# The call's screen (programs app) gains its selection policy and the dry-run action here,
# so that programs need not know about selection.
class CallAdmin(ProgramsCallAdmin):
    inlines = [PolicyInline]
    actions = [dry_run]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The policy section shows defaults, but with no seed typed Django saves no policy:
        say so, rather than let "saved" suggest the call can be selected."""
        super().save_related(request, form, formsets, change)
        if not SelectionPolicy.objects.filter(call=form.instance).exists():
            messages.warning(
                request,
                _(
                    "This call has no selection policy yet: the values shown under “Selection "
                    "policy” are suggestions and were not saved. Type the published lottery "
                    "seed there and save, to be able to run the selection."
                ),
            )


admin.site.unregister(Call)
admin.site.register(Call, CallAdmin)


@admin.register(Offer)
class OfferAdmin(ReadOnlyProgramAdmin):
    list_display = ("decision", "state", "promoted", "created_at", "expires_at", "responded_at")
    list_filter = ("state", "promoted", "decision__run__call")
    list_select_related = ("decision__application",)
    search_fields = ("decision__application__reference",)
    readonly_fields = ("decision", "state", "promoted", "created_at", "expires_at", "responded_at")
