"""Looking up and repairing: surveys and their versions, invitations and answers, read-only
(they are written by the import, the invitations job and the answer page)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from yachay.surveys.models import Answer, Invitation, Survey, SurveyVersion


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(_ReadOnly):
    list_display = ("slug", "kind", "title", "content_hash", "updated_at")
    exclude = ("content",)


@admin.register(SurveyVersion)
class SurveyVersionAdmin(_ReadOnly):
    list_display = ("survey", "number", "content_hash", "imported_at")
    exclude = ("content",)


@admin.register(Invitation)
class InvitationAdmin(_ReadOnly):
    list_display = ("survey", "application", "wording", "created_at", "sent_at", "submitted_at")
    list_filter = ("survey", "wording")
    search_fields = ("application__reference",)
    raw_id_fields = ("application",)
    exclude = ("token_hash",)


@admin.register(Answer)
class AnswerAdmin(_ReadOnly):
    list_display = ("invitation", "question", "number", "text", "choices", "updated_at")
    search_fields = ("invitation__application__reference",)
    raw_id_fields = ("invitation",)
