from __future__ import annotations

from django.contrib import admin

from yachay.core.admin import ReadOnlyProgramAdmin
from yachay.learning.models import Completion, Course, CourseVersion, QuizAttemptGrant


class VersionInline(admin.TabularInline):
    model = CourseVersion
    fields = ("number", "label", "content_hash", "imported_at", "imported_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Course)
class CourseAdmin(ReadOnlyProgramAdmin):
    """Courses are imported (manage.py import_course), never edited here."""

    list_display = ("title", "slug", "language", "current_version")
    search_fields = ("title", "slug")
    filter_horizontal = ("tracks",)
    inlines = [VersionInline]


@admin.register(Completion)
class CompletionAdmin(ReadOnlyProgramAdmin):
    list_display = ("user", "course", "completed_at")
    list_filter = ("course",)
    date_hierarchy = "completed_at"


@admin.register(QuizAttemptGrant)
class QuizAttemptGrantAdmin(ReadOnlyProgramAdmin):
    """Extra attempts are given from the cohort's progress page (audited), never here."""

    list_display = ("user", "course", "activity_id", "granted_by", "granted_at")
    list_filter = ("course",)
    date_hierarchy = "granted_at"
