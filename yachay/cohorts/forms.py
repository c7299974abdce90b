from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yachay.cohorts.models import Attendance, Enrollment
from yachay.programs.models import Call

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
                label=e.application.listed_name, choices=choices, required=False
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


class PlanForm(forms.Form):
    """The planning helper's inputs: which call, how big a cohort, how many instructors."""

    call = forms.ModelChoiceField(label=_("Call"), queryset=Call.objects.order_by("-opens_at"))
    capacity = forms.IntegerField(
        label=_("Learners per cohort"), min_value=5, max_value=500, initial=30
    )
    instructors = forms.IntegerField(
        label=_("Instructors available"), min_value=1, max_value=10_000
    )
    cohorts_per_instructor = forms.IntegerField(
        label=_("Cohorts one instructor can run at once"), min_value=1, max_value=8, initial=2
    )
    starts_on = forms.DateField(
        label=_("Cohorts start on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Cohorts end on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The cohorts cannot end before they start."))
        return data
