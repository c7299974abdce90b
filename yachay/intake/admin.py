from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yachay.accounts.http import signed_in_user
from yachay.accounts.models import Role
from yachay.accounts.scopes import scope_by_department
from yachay.core import ubigeo
from yachay.core.admin import ReadOnlyProgramAdmin
from yachay.core.choices import SLOT_HOURS, slot_label
from yachay.intake.models import Application


class DepartmentFilter(admin.SimpleListFilter):
    """Departments by name; a coordinator is offered only their own."""

    title = _("department")
    parameter_name = "department"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        user = signed_in_user(request)
        codes = ubigeo.places().departments
        if getattr(user, "is_coordinator", False):
            return [(c, codes[c]) for c in sorted(user.departments) if c in codes]
        return sorted(codes.items())

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Application]
    ) -> QuerySet[Application]:
        return queryset.filter(department=self.value()) if self.value() else queryset


# An application's codes and JSON shown in words: the place by name, slots with their hours.
IN_WORDS = {
    "ubigeo": "place", "department": "department_name",
    "schedules": "schedules_text", "woman_led": "woman_led_text",
}  # fmt: skip


@admin.register(Application)
class ApplicationAdmin(ReadOnlyProgramAdmin):
    """Read-only: intake writes applications; nobody edits what a person declared.

    Program admins see all; a coordinator sees only their departments, so a
    guessed change URL of another department answers "does not exist".
    """

    list_display = (
        "reference", "full_name", "department_name", "segment", "gender", "status", "created_at",
    )  # fmt: skip
    list_filter = ("call", DepartmentFilter, "status", "segment", "gender", "modality", "source")
    search_fields = ("reference", "dni", "paternal_surname", "given_names", "email")
    list_select_related = ("call",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [IN_WORDS.get(f.name, f.name) for f in Application._meta.fields]
    fields = tuple(readonly_fields)

    @admin.display(description=_("place of residence"))
    def place(self, obj: Application) -> str:
        return f"{ubigeo.name(obj.ubigeo)} ({obj.ubigeo})"

    @admin.display(description=_("available schedules"))
    def schedules_text(self, obj: Application) -> str:
        return ", ".join(str(slot_label(s)) for s in obj.schedules if s in SLOT_HOURS) or "—"

    @admin.display(description=_("business led by a woman"))
    def woman_led_text(self, obj: Application) -> str:
        if obj.woman_led is None:
            return "—"
        return str(_("yes") if obj.woman_led else _("no"))

    @admin.display(description=_("full name"), ordering="paternal_surname")
    def full_name(self, obj: Application) -> str:
        return obj.full_name

    @admin.display(description=_("department"))
    def department_name(self, obj: Application) -> str:
        return ubigeo.places().departments.get(obj.department, obj.department)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return scope_by_department(
            super().get_queryset(request), signed_in_user(request), field="department"
        )

    def _may_view(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and (
                getattr(user, "is_program_admin", False)
                or getattr(user, "role", "") == Role.COORDINATOR
            )
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_view(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._may_view(request)
