from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from yachay.privacy.models import Cancellation, RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin[RetentionRule]):
    list_display = ("call", "months", "updated_at")
    search_fields = ("call__title", "call__slug")


@admin.register(Cancellation)
class CancellationAdmin(admin.ModelAdmin[Cancellation]):
    """Read-only: the log is written by cancellations and replays only."""

    list_display = ("created_at", "actor_label", "reason", "replayed_at")
    readonly_fields = (
        "id", "created_at", "actor_label", "reason", "user_ids", "application_ids",
        "replayed_at",
    )  # fmt: skip
    exclude = ("dni_hashes", "email_hashes")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Cancellation | None = None) -> bool:
        return False
