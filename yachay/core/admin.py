from __future__ import annotations

from django.contrib import admin

from yachay.accounts.admin import ReadOnlyProgramAdmin
from yachay.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyProgramAdmin):
    list_display = ("created_at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor_label")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
