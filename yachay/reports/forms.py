"""The reports' filters: a GET form on every page. Unknown values are errors in words, never
a 500 and never another scope's rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yachay.programs.models import Call
from yachay.reports import dimensions
from yachay.reports.selectors import BASE, STAGE_LABELS, STAGES, Scope

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


def measure_choices() -> list[tuple[str, Any]]:
    counts = [(s, STAGE_LABELS[s]) for s in STAGES]
    rates = [
        (
            f"rate_{s}",
            _("%(stage)s, %% of %(base)s")
            % {"stage": STAGE_LABELS[s], "base": STAGE_LABELS[BASE[s]]},
        )
        for s in STAGES
        if s in BASE
    ]
    return counts + rates


class FilterForm(forms.Form):
    """Which call, broken down by what, narrowed to which region, the weeks shown, and the
    measure the map is coloured by."""

    call = forms.ModelChoiceField(
        label=_("Call"),
        queryset=Call.objects.select_related("program").order_by("-opens_at"),
        required=False,
        empty_label=None,
        error_messages={"invalid_choice": _("There is no such call. Choose one from the list.")},
    )
    by = forms.ChoiceField(
        label=_("Break down by"),
        choices=[(k, v) for k, v in dimensions.DIMENSIONS.items()],
        required=False,
        error_messages={"invalid_choice": _("Choose a breakdown from the list.")},
    )
    region = forms.ChoiceField(
        label=_("Department"),
        required=False,
        error_messages={
            "invalid_choice": _("There is no such department. Choose one from the list.")
        },
    )
    measure = forms.ChoiceField(
        label=_("Colour the map by"),
        required=False,
        error_messages={"invalid_choice": _("Choose a measure from the list.")},
    )
    since = forms.DateField(
        label=_("Weeks from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Write a date as YYYY-MM-DD.")},
    )
    until = forms.DateField(
        label=_("Weeks until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Write a date as YYYY-MM-DD.")},
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope
        regions = dimensions.regions()
        allowed = [(k, v) for k, v in regions.items() if scope.allows_region(k)]
        self.fields["region"].choices = [("", _("All I may see")), *allowed]  # type: ignore[attr-defined]  # ChoiceField
        self.fields["measure"].choices = measure_choices()  # type: ignore[attr-defined]  # ChoiceField
        self.regions = regions

    outside_scope = False

    def full_clean(self) -> None:
        # A known region outside the scope is said as such, not as "no such department".
        super().full_clean()
        raw = (self.data.get("region") or "") if self.is_bound else ""
        if "region" in self.errors and raw in self.regions and not self.scope.allows_region(raw):
            self.errors["region"] = self.error_class(
                [str(_("You do not follow this department; choose one of yours."))]
            )
            self.outside_scope = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("since", "until"):
            day = data.get(name)
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(name, _("Choose a date between 2000 and 2100."))
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The last week cannot come before the first."))
        return data
