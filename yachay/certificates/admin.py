from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from yachay.certificates.models import Certificate, Issuer
from yachay.certificates.services import CertificateError, certificate_revoke
from yachay.core.actors import Actor
from yachay.core.admin import ProgramAdminOnly, ReadOnlyProgramAdmin


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit log; the learner's public page only says revoked."),
    )


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
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected certificates (with a reason)"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> HttpResponse | None:
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            actor = Actor.of_user(request.user)  # type: ignore[arg-type]
            done = 0
            for certificate in queryset:
                try:
                    certificate_revoke(
                        certificate=certificate, reason=form.cleaned_data["reason"], actor=actor
                    )
                    done += 1
                except CertificateError as error:
                    self.message_user(request, str(error), messages.WARNING)
            if done:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d certificate revoked.", "%(count)d certificates revoked.", done
                    )
                    % {"count": done},
                    messages.SUCCESS,
                )
            return None
        return TemplateResponse(
            request,
            "admin/certificates/revoke.html",
            {**self.admin_site.each_context(request), "form": form, "certificates": queryset},
        )

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
