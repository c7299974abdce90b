from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from yachay.certificates.models import Certificate, Issuer
from yachay.core.admin import ProgramAdminOnly, ReadOnlyProgramAdmin


@admin.register(Issuer)
class IssuerAdmin(ProgramAdminOnly):
    """The organisations printed and named on a program's certificates."""

    list_display = ("name", "url", "order")
    search_fields = ("name",)
    filter_horizontal = ("programs",)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyProgramAdmin):
    """Certificates are issued by the platform when a learner completes their track."""

    list_display = ("code", "full_name", "track", "completion_date", "issued_at", "revoked_at")
    list_filter = ("track", "revoked_at")
    search_fields = ("code", "full_name", "user__email")
    date_hierarchy = "issued_at"
    exclude = ("credential",)
    readonly_fields = ("downloads",)

    @admin.display(description=_("downloads"))
    def downloads(self, obj: Certificate) -> str:
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("certificates:staff_file", kwargs={"code": obj.code, "kind": "pdf"}),
            reverse("certificates:staff_file", kwargs={"code": obj.code, "kind": "json"}),
            _("credential (JSON)"),
            reverse("certificates:verify", kwargs={"code": obj.code}),
            _("public page"),
        )
