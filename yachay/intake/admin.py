from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yachay.accounts.models import Role
from yachay.accounts.scopes import scope_by_department
from yachay.intake.models import Application


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only: intake writes applications; nobody edits what a person declared.

    Program admins see all; a coordinator sees only their departments, so a
    guessed change URL of another department answers "does not exist".
    """

    list_display = (
        "reference", "full_name", "department_name", "segment", "gender", "status", "created_at",
    )  # fmt: skip
    list_filter = ("call", "status", "segment", "gender", "modality", "source")
    search_fields = ("reference", "dni", "paternal_surname", "given_names", "email")
    list_select_related = ("call",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [f.name for f in Application._meta.fields]

    @admin.display(description=_("department"))
    def department_name(self, obj: Application) -> str:
        return obj.place.split(" / ")[0]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return scope_by_department(super().get_queryset(request), request.user, field="department")  # type: ignore[arg-type]

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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
