from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from yachay.accounts.admin import ProgramAdminOnly
from yachay.cohorts.models import Enrollment


@admin.register(Enrollment)
class EnrollmentAdmin(ProgramAdminOnly):
    list_display = ("application", "user", "status", "created_at")
    list_filter = ("status", "application__call")
    list_select_related = ("application", "user")
    search_fields = ("application__reference", "user__email")
    readonly_fields = ("application", "user", "status", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
