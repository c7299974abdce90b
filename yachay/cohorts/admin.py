from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.forms import MultiWidget
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yachay.accounts.http import signed_in_user
from yachay.accounts.models import Role, User
from yachay.cohorts import planning, services
from yachay.cohorts.forms import PlanForm
from yachay.cohorts.models import Attendance, Cohort, Enrollment, Session
from yachay.core import ubigeo
from yachay.core.actors import Actor
from yachay.core.admin import ProgramAdminOnly
from yachay.core.choices import slot_label


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class LabelledFormSet(BaseInlineFormSet):
    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = _("Delete")


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    formset = LabelledFormSet
    # A meeting link typed without a scheme is https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A table row's inputs have no <label> of their own: each is named after its column
        # for a screen reader (WCAG 1.3.1, 4.1.2). Date + time inputs get labels from
        # core/templates/admin/widgets/split_datetime.html.
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and not isinstance(formfield.widget, MultiWidget):
            formfield.widget.attrs.setdefault("aria-label", str(formfield.label))
        return formfield


@admin.register(Cohort)
class CohortAdmin(ProgramAdminOnly):
    list_display = (
        "name",
        "call",
        "track",
        "modality",
        "department",
        "slot",
        "capacity",
        "starts_on",
    )
    list_filter = ("call", "modality", "slot", "track")
    search_fields = ("name", "venue")
    filter_horizontal = ("instructors",)
    inlines = [SessionInline]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Only staff can teach: learners' accounts are not offered, and people show by name.
        if db_field.name == "instructors":
            kwargs["queryset"] = User.objects.filter(
                role__in=[Role.INSTRUCTOR, Role.COORDINATOR, Role.ADMIN], is_active=True
            ).order_by("first_name", "last_name", "username")
            kwargs["form_class"] = StaffChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # The department by name, not a free-text INEI code.
        if db_field.name == "department":
            names = sorted(ubigeo.places().departments.items(), key=lambda kv: kv[1])
            return forms.ChoiceField(
                choices=[("", "—"), *names], required=not db_field.blank,
                label=capfirst(db_field.verbose_name), help_text=db_field.help_text,
            )  # fmt: skip
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_urls(self) -> list[URLPattern]:
        def plan(request: HttpRequest) -> HttpResponse:
            if not self.has_add_permission(request):  # program admins only
                raise PermissionDenied
            return plan_view(request)

        view = self.admin_site.admin_view(plan)
        return [path("plan/", view, name="cohorts_cohort_plan"), *super().get_urls()]


@admin.register(Enrollment)
class EnrollmentAdmin(ProgramAdminOnly):
    list_display = ("application", "user", "status", "cohort", "created_at")
    list_filter = ("status", "application__call", "cohort")
    list_select_related = ("application", "user", "cohort")
    search_fields = ("application__reference", "user__email")
    readonly_fields = ("application", "user", "status", "cohort", "created_at", "status_changed_at")
    actions = ["drop"]

    @admin.action(description=_("Mark as dropped (frees their seat in the cohort)"))
    def drop(self, request: HttpRequest, queryset: QuerySet[Enrollment]) -> None:
        actor = Actor.of_user(signed_in_user(request))
        n = sum(services.enrollment_drop(enrollment=e, actor=actor) for e in queryset)
        messages.success(
            request,
            ngettext("%(n)d enrollment dropped.", "%(n)d enrollments dropped.", n) % {"n": n},
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Attendance)
class AttendanceAdmin(ProgramAdminOnly):
    """Read-only: attendance is taken on the session page (code, marks, roster), audited."""

    list_display = ("enrollment", "session", "status", "method", "recorded_at", "recorded_by")
    list_filter = ("status", "method", "session__cohort")
    list_select_related = ("enrollment__application", "session__cohort", "recorded_by")
    search_fields = ("enrollment__application__reference",)
    readonly_fields = (*list_display, "note")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def plan_view(request: HttpRequest) -> HttpResponse:
    """The planning helper: propose cohorts from the waiting learners; the admin edits the
    number per row (0 drops it) and creates them."""
    from yachay.accounts.models import Role

    initial = {
        "instructors": User.objects.filter(role=Role.INSTRUCTOR, is_active=True).count() or 1
    }
    form = PlanForm(request.POST or None, initial=initial)
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "form": form,
        "title": _("Plan cohorts"),
    }
    if request.method == "POST" and form.is_valid():
        call = form.cleaned_data["call"]
        demands, no_track = services.planning_demands(call=call)
        plan = planning.plan_cohorts(
            demands,
            capacity=form.cleaned_data["capacity"],
            instructors=form.cleaned_data["instructors"],
            cohorts_per_instructor=form.cleaned_data["cohorts_per_instructor"],
        )
        departments = ubigeo.places().departments
        if "create" in request.POST:
            rows = []
            for i, p in enumerate(plan.proposals):
                raw = request.POST.get(f"n{i}", "")
                count = int(raw) if raw.isdigit() else p.cohorts
                if count > 0:
                    rows.append(
                        services.PlannedCohorts(
                            p.track, p.modality, p.department, p.slot, min(count, 200)
                        )
                    )
            created = services.cohorts_create_from_plan(
                call=call,
                rows=rows,
                capacity=form.cleaned_data["capacity"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                actor=Actor.of_user(signed_in_user(request)),
            )
            messages.success(
                request,
                ngettext("%(n)d cohort created.", "%(n)d cohorts created.", len(created))
                % {"n": len(created)},
            )
            return redirect("admin:cohorts_cohort_changelist")
        notes = []
        for note in plan.notes:
            params = dict(note.params)
            if "department" in params:
                params["department"] = departments.get(params["department"], params["department"])
            notes.append(_(planning.MESSAGES[note.code]) % params)
        context.update(
            plan=plan,
            rows=[
                (
                    i,
                    p,
                    departments.get(p.department or "", ""),
                    slot_label(p.slot),
                    Cohort.Modality(p.modality).label,
                )
                for i, p in enumerate(plan.proposals)
            ],
            notes=notes,
            no_track=no_track,
        )
    return TemplateResponse(request, "admin/cohorts/plan.html", context)
