from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from yachay.accounts import services
from yachay.accounts.models import ApiKey, User
from yachay.core.actors import Actor
from yachay.core.admin import ProgramAdminOnly


@admin.register(User)
class UserAdmin(ProgramAdminOnly, BaseUserAdmin):
    list_display = ("username", "email", "role", "departments", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Role and scope"), {"fields": ("role", "departments")}),
    )


@admin.register(ApiKey)
class ApiKeyAdmin(ProgramAdminOnly):
    list_display = ("name", "prefix", "user", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("name", "prefix", "user", "created_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Keys are made by `manage.py create_api_key`, which shows the secret once.
        return False

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        actor = Actor.of_user(request.user)  # type: ignore[arg-type]
        for key in queryset:
            services.api_key_revoke(key=key, actor=actor)
        n = queryset.count()
        self.message_user(
            request, ngettext("%d key revoked.", "%d keys revoked.", n) % n, messages.SUCCESS
        )
