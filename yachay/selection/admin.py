from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from yachay.accounts.admin import ReadOnlyProgramAdmin
from yachay.core.actors import Actor
from yachay.programs.models import Call
from yachay.selection import services
from yachay.selection.models import CRITERIA, Decision, Offer, SelectionPolicy, SelectionRun
from yachay.selection.selectors import shortfall_text, target_description


class PolicyForm(forms.ModelForm):
    """One number field per score criterion instead of raw JSON."""

    class Meta:
        model = SelectionPolicy
        fields = ("kind", "seed", "mode", "offer_days")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        weights = (self.instance.weights if self.instance.pk else None) or {}
        for code, label in CRITERIA.items():
            self.fields[f"w_{code}"] = forms.IntegerField(
                label=format_html("{} — {}", _("weight"), label),
                min_value=0,
                max_value=100,
                initial=weights.get(code, 0),
                required=False,
            )

    def save(self, commit: bool = True) -> SelectionPolicy:
        self.instance.weights = {
            code: self.cleaned_data.get(f"w_{code}") or 0
            for code in CRITERIA
            if self.cleaned_data.get(f"w_{code}")
        }
        return super().save(commit)


class PolicyInline(admin.StackedInline):
    model = SelectionPolicy
    form = PolicyForm
    can_delete = False
    extra = 1
    max_num = 1


def target_table(run: SelectionRun) -> str:
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                target_description(r),
                r["bound"],
                r["eligible"],
                r["admitted"],
                _("yes")
                if r["met"]
                else format_html("<strong>{} {}</strong>", _("short by"), r["shortfall"]),
            )
            for r in run.targets
        ),
    )
    head = format_html(
        "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        _("target"), _("bound"), _("eligible"), _("admitted"), _("met"),
    )  # fmt: skip
    return format_html("<table>{}{}</table>", head, rows)


@admin.register(SelectionRun)
class SelectionRunAdmin(ReadOnlyProgramAdmin):
    list_display = (
        "id",
        "call",
        "state",
        "status",
        "admitted_count",
        "total_shortfall",
        "created_at",
    )
    list_filter = ("state", "call")
    actions = ["publish"]
    fields = (
        "call", "state", "status", "error", "seed", "mode", "policy", "objective",
        "total_shortfall", "target_table_html", "shortfall_list", "department_table",
        "decisions_hash", "inputs_hash", "solver", "solve_seconds", "actor_label",
        "created_at", "published_at",
    )  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SelectionRun]:
        # The stored inputs and decision lists are large: not needed for the list.
        return super().get_queryset(request).defer("problem")

    @admin.display(description=_("admitted"))
    def admitted_count(self, run: SelectionRun) -> int:
        return len(run.admitted_ids)

    @admin.display(description=_("target table"))
    def target_table_html(self, run: SelectionRun) -> str:
        return target_table(run)

    @admin.display(description=_("cannot be met"))
    def shortfall_list(self, run: SelectionRun) -> str:
        texts = ((shortfall_text(s, run.targets),) for s in run.shortfalls)
        return format_html_join("", "<p>{}</p>", texts) or "—"

    @admin.display(description=_("per department (eligible / admitted)"))
    def department_table(self, run: SelectionRun) -> str:
        return format_html_join(
            ", ",
            "{}: {}/{}",
            ((d, c["eligible"], c["admitted"]) for d, c in sorted(run.departments.items())),
        )

    @admin.action(description=_("Publish the selected dry run"))
    def publish(self, request: HttpRequest, queryset: QuerySet[SelectionRun]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one dry run to publish."), messages.ERROR)
            return
        try:
            run = services.selection_publish(run=queryset.get(), actor=Actor.of_user(request.user))  # type: ignore[arg-type]
        except services.SelectionRefused as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(
            request,
            _("Published: %(n)d decisions written.") % {"n": run.decisions.count()},
            messages.SUCCESS,
        )


@admin.register(Decision)
class DecisionAdmin(ReadOnlyProgramAdmin):
    list_display = ("application", "outcome", "position", "priority", "decided_at")
    list_filter = ("outcome", "run__call")
    list_select_related = ("application",)
    search_fields = ("application__reference",)
    ordering = ("outcome", "position")
    readonly_fields = (
        "run",
        "application",
        "outcome",
        "position",
        "priority",
        "rules",
        "decided_at",
    )


@admin.action(description=_("Run selection (dry run) for the selected call"))
def dry_run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Call]) -> None:
    for call in queryset:
        try:
            run = services.selection_dry_run(call=call, actor=Actor.of_user(request.user))  # type: ignore[arg-type]
        except services.SelectionRefused as exc:
            modeladmin.message_user(request, f"{call}: {exc.message}", messages.ERROR)
            continue
        modeladmin.message_user(
            request,
            format_html(
                '{}: <a href="../../selection/selectionrun/{}/change/">{}</a>',
                call,
                run.pk,
                _("dry run %(id)s: %(status)s") % {"id": run.pk, "status": run.status or run.state},
            ),
            messages.SUCCESS,
        )


# The call's screen (programs app) gains its selection policy and the dry-run action here,
# so that programs need not know about selection.
_call_admin = type(admin.site._registry[Call])
_call_admin.inlines = [*_call_admin.inlines, PolicyInline]
_call_admin.actions = [*(_call_admin.actions or []), dry_run]


@admin.register(Offer)
class OfferAdmin(ReadOnlyProgramAdmin):
    list_display = ("decision", "state", "promoted", "created_at", "expires_at", "responded_at")
    list_filter = ("state", "promoted", "decision__run__call")
    list_select_related = ("decision__application",)
    search_fields = ("decision__application__reference",)
    readonly_fields = ("decision", "state", "promoted", "created_at", "expires_at", "responded_at")
