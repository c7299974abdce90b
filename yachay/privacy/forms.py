"""The ARCO request forms: who asks (when not signed in) and what they ask."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from yachay.core import validators as v
from yachay.core.models import Objection

# What a person may ask to correct, and how each value is checked (the application form's
# rules: intake checks them again when the correction is applied).
RECTIFIABLE: dict[str, Any] = {
    "given_names": _("given names"),
    "paternal_surname": _("paternal surname"),
    "maternal_surname": _("maternal surname"),
    "dni": _("DNI"),
    "birth_date": _("birth date"),
    "phone": _("mobile phone"),
    "email": _("email"),
}


def _nothing_odd(value: str, max_length: int) -> str:
    return v.clean_text(value, max_length=max_length)


class IdentityForm(forms.Form):
    """Who asks, for someone not signed in: the email on file, or DNI + reference."""

    how = forms.ChoiceField(
        label=_("How do we find your data?"),
        choices=[
            ("email", _("By the email I applied with")),
            ("dni", _("By my DNI and my application's reference code")),
        ],
        widget=forms.RadioSelect,
        initial="email",
        error_messages={"required": _("Choose how we find your data.")},
    )
    email = forms.CharField(label=_("Email"), required=False, max_length=300)
    dni = forms.CharField(label=_("DNI"), required=False, max_length=20)
    reference = forms.CharField(
        label=_("Reference code"), required=False, max_length=20, help_text=_("Such as YCH-7KQ3M9.")
    )

    def clean_email(self) -> str:
        value = _nothing_odd(self.cleaned_data.get("email", ""), 254).lower()
        if value:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError(
                    _("Write a valid email address, such as ana@example.pe.")
                ) from None
        return value

    def clean_dni(self) -> str:
        value = _nothing_odd(self.cleaned_data.get("dni", ""), 20)
        return v.clean_dni(value) if value else ""

    def clean_reference(self) -> str:
        return _nothing_odd(self.cleaned_data.get("reference", ""), 20).upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        how = data.get("how")
        if how == "email" and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Write the email you applied with."))
        if how == "dni":
            if not data.get("dni") and "dni" not in self.errors:
                self.add_error("dni", _("Write your DNI."))
            if not data.get("reference"):
                self.add_error("reference", _("Write your application's reference code."))
        return data


class RequestForm(forms.Form):
    """What the person asks; the fields depend on the kind of request."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label=_("Anything you want to add (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if not self.is_bound:
            self.initial["submission_key"] = uuid.uuid4()
        if kind == "rectification":
            self.fields["field"] = forms.ChoiceField(
                label=_("What is wrong?"),
                choices=[("", _("Choose the data to correct")), *RECTIFIABLE.items()],
                error_messages={
                    "required": _("Choose which data to correct."),
                    "invalid_choice": _("Choose one of the options in the list."),
                },
            )
            self.fields["value"] = forms.CharField(
                label=_("The right value"),
                max_length=300,
                help_text=_("For a date, write day/month/year, such as 04/05/1990."),
                error_messages={"required": _("Write the right value.")},
            )
            self.fields["dni_check"] = forms.CharField(
                label=_("DNI check character (only when correcting the DNI)"),
                required=False,
                max_length=5,
            )
        elif kind == "opposition":
            self.fields["purposes"] = forms.MultipleChoiceField(
                label=_("Stop using my data for"),
                choices=Objection.Purpose.choices,
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "required": _("Choose at least one use to stop."),
                    "invalid_choice": _("Choose one of the options in the list."),
                },
            )
        elif kind == "cancellation":
            self.fields["understood"] = forms.BooleanField(
                label=_(
                    "I understand that my account is closed and my data are deleted or "
                    "anonymised, and that this cannot be undone."
                ),
                error_messages={"required": _("Tick the box to confirm the cancellation.")},
            )

    def clean_note(self) -> str:
        return _nothing_odd(self.cleaned_data.get("note", ""), 2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if self.kind != "rectification" or "field" not in data or "value" not in data:
            return data
        field = data["field"]
        raw = str(data["value"])
        try:
            data["value"] = _clean_rectified(field, raw, str(data.get("dni_check", "")))
            if field == "dni":
                data["dni_check_clean"] = v.clean_dni_check(
                    data["value"], str(data.get("dni_check", ""))
                )
        except ValidationError as exc:
            self.add_error("value", exc)
        return data

    def details(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.kind == "rectification":
            changes: dict[str, str] = {data["field"]: data["value"]}
            if data["field"] == "dni":
                changes["dni_check"] = data.get("dni_check_clean", "")
            return {"changes": changes}
        if self.kind == "opposition":
            return {"purposes": list(data["purposes"])}
        return {}


def _clean_rectified(field: str, raw: str, dni_check: str) -> str:
    raw = v.clean_text(raw, max_length=300)
    if field in ("given_names", "paternal_surname"):
        if not raw:
            raise ValidationError(_("Write the right value."))
        return v.clean_person_name(raw)
    if field == "maternal_surname":
        return v.clean_person_name(raw)
    if field == "dni":
        dni = v.clean_dni(raw)
        v.clean_dni_check(dni, dni_check)
        return dni
    if field == "phone":
        return v.clean_mobile(raw)
    if field == "email":
        value = raw.lower()
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                _("Write a valid email address, such as ana@example.pe.")
            ) from None
        if len(value) > 254:
            raise ValidationError(_("This email address is too long."))
        return value
    if field == "birth_date":
        for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
            try:
                day = dt.datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
            if not dt.date(1900, 1, 1) <= day <= dt.date.today():
                break
            return day.isoformat()
        raise ValidationError(_("Write the date as day/month/year, such as 04/05/1990."))
    raise ValidationError(_("Choose one of the options in the list."))
