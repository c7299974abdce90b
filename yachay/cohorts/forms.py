from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yachay.cohorts.models import Attendance, Enrollment

ROSTER_MAX_BYTES = 1_000_000


class CheckinForm(forms.Form):
    code = forms.CharField(
        label=_("Code on the screen"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 12}
        ),
        error_messages={
            "required": _("Type the 6 digits shown on the screen."),
            "max_length": _("Type the 6 digits shown on the screen."),
        },
    )
    via = forms.CharField(required=False, widget=forms.HiddenInput)


class MarksForm(forms.Form):
    """One choice per learner of the roster; an empty choice leaves no mark."""

    def __init__(self, *args: Any, enrollments: list[Enrollment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("not marked")), *Attendance.Status.choices]
        for e in enrollments:
            self.fields[f"e{e.pk}"] = forms.ChoiceField(
                label=e.application.full_name, choices=choices, required=False
            )

    def marks(self) -> dict[int, str | None]:
        return {int(name[1:]): value or None for name, value in self.cleaned_data.items()}


class RosterUploadForm(forms.Form):
    roster = forms.FileField(
        label=_("Filled-in roster (CSV)"),
        error_messages={"required": _("Choose the CSV file of the roster.")},
    )

    def clean_roster(self) -> bytes:
        upload = self.cleaned_data["roster"]
        if upload.size > ROSTER_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 1 MB)."))
        return bytes(upload.read())
