from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from yachay.accounts import services
from yachay.accounts.http import signed_in_user
from yachay.accounts.models import ApiKey, User
from yachay.core.actors import Actor
from yachay.core.admin import ProgramAdminOnly


@admin.register(User)
class UserAdmin(ProgramAdminOnly, BaseUserAdmin):
    list_display = ("username", "email", "role", "departments", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),  # never None on UserAdmin; the stubs allow None
        (_("Role and scope"), {"fields": ("role", "departments")}),
    )
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-step verification (lost phone)"))
    def reset_two_factor(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        """A review page first; on confirmation the people's app and recovery codes are
        removed, and they set up a new app at their next sign-in."""
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/accounts/user/two_factor_reset.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Reset two-step verification"),
                    "people": queryset,
                    "opts": self.model._meta,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        actor = Actor.of_user(signed_in_user(request))
        for user in queryset:
            services.two_factor_reset(user=user, actor=actor)
        n = queryset.count()
        self.message_user(
            request,
            ngettext(
                "Two-step verification reset for %d person: they set it up again at their "
                "next sign-in.",
                "Two-step verification reset for %d people: they set it up again at their "
                "next sign-in.",
                n,
            )
            % n,
            messages.SUCCESS,
        )
        return None


@admin.register(ApiKey)
class ApiKeyAdmin(ProgramAdminOnly):
    list_display = ("name", "prefix", "user", "role", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("name", "prefix", "user", "role", "created_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Keys are made by `manage.py create_api_key`, which shows the secret once.
        return False

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        actor = Actor.of_user(signed_in_user(request))
        for key in queryset:
            services.api_key_revoke(key=key, actor=actor)
        n = queryset.count()
        self.message_user(
            request, ngettext("%d key revoked.", "%d keys revoked.", n) % n, messages.SUCCESS
        )
