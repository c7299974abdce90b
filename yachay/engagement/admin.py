"""Looking up and repairing: messages (read-only), preferences and opt-outs."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from yachay.engagement.models import ContactPreference, DeliveryReport, Message, Unsubscription


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "rule", "application", "channel", "status", "reason")
    list_filter = ("rule", "status", "reason", "channel")
    search_fields = ("application__reference", "provider_id")
    raw_id_fields = ("application", "user")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ContactPreference)
class ContactPreferenceAdmin(admin.ModelAdmin):
    list_display = ("email", "preferred_channel", "email_ok", "sms_ok", "whatsapp_opt_in_at")
    search_fields = ("email",)


@admin.register(Unsubscription)
class UnsubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "kind", "source", "created_at")
    list_filter = ("kind", "source")
    search_fields = ("email",)


@admin.register(DeliveryReport)
class DeliveryReportAdmin(admin.ModelAdmin):
    list_display = ("received_at", "channel", "provider_id", "status", "message")
    list_filter = ("channel", "status")
    raw_id_fields = ("message",)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
