from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yachay.programs.models import Call


class PublishForm(forms.Form):
    """Publishing is confirmed by typing the call's identifier: no slip of a click."""

    confirm = forms.CharField(
        label=_("Type the call's identifier to confirm"),
        max_length=100,
        error_messages={"required": _("Type the call's identifier to publish.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.call = call

    def clean_confirm(self) -> str:
        value = str(self.cleaned_data["confirm"]).strip()
        if value.lower() != self.call.slug.lower():
            raise forms.ValidationError(
                _("This is not the call's identifier. Type exactly: %(slug)s")
                % {"slug": self.call.slug},
                code="mismatch",
            )
        return value
