"""Input of the staff certificates pages: confirming an issue, a re-issue or a revocation."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yachay.core import validators as v

REASON_MAX = 1000


class IssueConfirmForm(forms.Form):
    """The review page's confirmation: the box ticked, and the count the admin saw (a list
    that changed since is shown again instead of issuing what nobody reviewed)."""

    confirm = forms.BooleanField(
        label=_("I checked the list: issue these certificates."),
        error_messages={"required": _("Tick the box to confirm that you checked the list.")},
    )
    expected = forms.IntegerField(min_value=0, max_value=10_000_000, widget=forms.HiddenInput)


class CertificateActionForm(forms.Form):
    """Re-issue or revoke one certificate: a reason, then a confirmation page."""

    action = forms.ChoiceField(
        choices=[("reissue", _("Re-issue")), ("revoke", _("Revoke"))], widget=forms.HiddenInput
    )
    code = forms.CharField(max_length=40, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit log; the public page only says revoked."),
        error_messages={"required": _("Write the reason.")},
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_reason(self) -> str:
        reason = v.clean_text(self.cleaned_data["reason"], max_length=REASON_MAX)
        if not reason:
            raise ValidationError(_("Write the reason."))
        return reason
