from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from yachay.accounts.admin import ProgramAdminOnly
from yachay.cohorts.models import Attendance, Cohort, Enrollment, Session


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    # A meeting link typed without a scheme is https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


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


@admin.register(Enrollment)
class EnrollmentAdmin(ProgramAdminOnly):
    list_display = ("application", "user", "status", "cohort", "created_at")
    list_filter = ("status", "application__call", "cohort")
    list_select_related = ("application", "user", "cohort")
    search_fields = ("application__reference", "user__email")
    readonly_fields = ("application", "user", "status", "cohort", "created_at", "status_changed_at")

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
