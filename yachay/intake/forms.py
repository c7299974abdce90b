"""Input parsing for applications: one set of rules for the web form and the API.

``ApplicationFields`` holds every field and rule both share; the web form adds
the three place selects and the consent box, the API form the ubigeo code and
the consent flag with its version.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yachay.core import ubigeo
from yachay.core import validators as v
from yachay.core.choices import Gender, Modality, Schedule, Sector, Segment
from yachay.core.dates import age_on, long_date
from yachay.programs.models import Call

DIGITAL_LEVELS = [
    (1, _("1 — I barely use a phone or computer")),
    (2, _("2 — I use messaging and social networks")),
    (3, _("3 — I use office tools or online banking")),
    (4, _("4 — I manage my business with digital tools")),
    (5, _("5 — I already use AI tools")),
]


INVALID_CHOICE = _("Choose one of the options in the list.")


def set_choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class ApplicationFields(forms.Form):
    dni = forms.CharField(
        label=_("DNI"), max_length=20, help_text=_("8 digits, as on your ID card.")
    )
    dni_check = forms.CharField(
        label=_("DNI check character (optional)"),
        max_length=5,
        required=False,
        help_text=_("The digit or letter after the DNI number on your card."),
    )
    given_names = forms.CharField(label=_("Given names"), max_length=10_000)
    paternal_surname = forms.CharField(label=_("Paternal surname"), max_length=10_000)
    maternal_surname = forms.CharField(
        label=_("Maternal surname (optional)"), max_length=10_000, required=False
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Write the date as year-month-day, such as 1990-05-04.")},
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, widget=forms.RadioSelect)
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        error_messages={"invalid": _("Write a valid email address, such as nombre@ejemplo.pe.")},
    )
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=100, help_text=_("For example 987 654 321.")
    )
    segment = forms.ChoiceField(
        label=_("You apply as"), choices=Segment.choices, widget=forms.RadioSelect
    )
    ruc = forms.CharField(label=_("RUC"), max_length=100, required=False)
    business_name = forms.CharField(
        label=_("Business name (optional)"), max_length=10_000, required=False
    )
    sector = forms.ChoiceField(
        label=_("Sector (optional)"), choices=[("", "—"), *Sector.choices], required=False
    )
    woman_led = forms.NullBooleanField(
        label=_("Is the business led by a woman?"),
        required=False,
        widget=forms.RadioSelect(
            choices=[
                ("", _("no business / not applicable")),
                ("true", _("yes")),
                ("false", _("no")),
            ]
        ),
    )
    digital_level = forms.TypedChoiceField(
        label=_("How do you use digital tools today?"),
        choices=DIGITAL_LEVELS,
        coerce=int,
        widget=forms.RadioSelect,
    )
    modality = forms.ChoiceField(
        label=_("Preferred modality"), choices=Modality.choices, widget=forms.RadioSelect
    )
    schedules = forms.MultipleChoiceField(
        label=_("When can you attend?"),
        choices=Schedule.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one schedule.")},
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=10_000,
        required=False,
        help_text=_("Tell us if you need anything to take part (sign language, screen reader…)."),
    )

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.call = call
        # Django's own message addresses the reader formally; ours speaks as the form does.
        for field in self.fields.values():
            if "invalid_choice" in field.error_messages:
                field.error_messages["invalid_choice"] = INVALID_CHOICE
        allowed = set(call.allowed_segments)
        set_choices(self, "segment", [c for c in Segment.choices if c[0] in allowed])
        if call.ruc_required_segments:
            names = ", ".join(str(Segment(s).label) for s in call.ruc_required_segments)
            self.fields["ruc"].help_text = _("11 digits. Required for: %(segments)s.") % {
                "segments": names
            }

    # Single-field rules -------------------------------------------------
    def clean_dni(self) -> str:
        return v.clean_dni(self.cleaned_data["dni"])

    def _name(self, field: str) -> str:
        return v.clean_person_name(self.cleaned_data[field])

    def clean_given_names(self) -> str:
        return self._name("given_names")

    def clean_paternal_surname(self) -> str:
        return self._name("paternal_surname")

    def clean_maternal_surname(self) -> str:
        return self._name("maternal_surname")

    def clean_birth_date(self) -> dt.date:
        birth: dt.date = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if birth > today:
            raise ValidationError(_("The birth date cannot be in the future."))
        closing = timezone.localtime(self.call.closes_at).date()
        age = age_on(birth, closing)
        if not self.call.min_age <= age <= self.call.max_age:
            raise ValidationError(
                _(
                    "This call is for people aged %(min)d to %(max)d on %(date)s; "
                    "with this birth date you would be %(age)d."
                ),
                params={
                    "min": self.call.min_age,
                    "max": self.call.max_age,
                    "date": long_date(closing),
                    "age": age,
                },
            )
        return birth

    def clean_email(self) -> str:
        local, _at, domain = self.cleaned_data["email"].rpartition("@")
        return f"{local}@{domain.lower()}"

    def clean_phone(self) -> str:
        return v.clean_mobile(self.cleaned_data["phone"])

    def clean_ruc(self) -> str:
        raw = self.cleaned_data["ruc"].strip()
        return v.clean_ruc(raw) if raw else ""

    def clean_business_name(self) -> str:
        return v.clean_text(self.cleaned_data["business_name"], max_length=200)

    def clean_accessibility_needs(self) -> str:
        return v.clean_text(self.cleaned_data["accessibility_needs"], max_length=500)

    # Rules across fields ------------------------------------------------
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        dni, check = data.get("dni"), self.data.get("dni_check") or ""
        if dni and isinstance(check, str):
            try:
                data["dni_check"] = v.clean_dni_check(dni, check)
            except ValidationError as e:
                self.add_error("dni_check", e)
        segment = data.get("segment")
        if (
            segment in self.call.ruc_required_segments
            and not data.get("ruc")
            and "ruc" not in self.errors
        ):
            self.add_error(
                "ruc",
                _("As %(segment)s you must give your business's RUC.")
                % {"segment": Segment(str(segment)).label},
            )
        return data


class ApplicationForm(ApplicationFields):
    """The public web form: place by three selects, consent by a box."""

    department = forms.ChoiceField(label=_("Department"))
    province = forms.ChoiceField(label=_("Province"))
    district = forms.ChoiceField(label=_("District"))
    consent = forms.BooleanField(
        label=_("I agree to the processing of my personal data as described above."),
        error_messages={"required": _("We can only receive your application with your consent.")},
    )

    field_order = [
        "dni", "dni_check", "given_names", "paternal_surname", "maternal_surname",
        "birth_date", "gender", "email", "phone", "department", "province", "district",
    ]  # fmt: skip

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, call=call, **kwargs)
        pick = [("", _("— choose —"))]
        dept = self._chosen("department")
        prov = self._chosen("province")
        set_choices(self, "department", pick + ubigeo.department_choices())
        # Without JavaScript the lists fill in as the person updates them; with
        # JavaScript a script fills them at once. The server accepts any code
        # that exists and belongs to its parent.
        set_choices(self, "province", pick + (ubigeo.provinces_of(dept) if dept else []))
        set_choices(
            self,
            "district",
            pick + (ubigeo.districts_of(prov) if prov and prov[:2] == dept else []),
        )

    def _chosen(self, field: str) -> str:
        source = self.data if self.is_bound else self.initial
        value = source.get(field) or ""
        return value if isinstance(value, str) and value.isdigit() else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        district = data.get("district", "")
        if district and not (
            district.startswith(data.get("province", "-"))
            and district.startswith(data.get("department", "-"))
        ):
            self.add_error("district", _("Choose a district of the chosen province."))
        else:
            data["ubigeo"] = district
        data["consent_version"] = self.call.consent_version
        return data


class ApplicationApiForm(ApplicationFields):
    """The API's form: the same rules, JSON field names, stricter types."""

    ubigeo = forms.CharField(max_length=20)
    consent = forms.BooleanField(
        error_messages={"required": _("Consent must be true: we cannot process data without it.")}
    )
    consent_version = forms.CharField(max_length=40)

    # JSON type each field must have; anything else is refused, not coerced.
    JSON_TYPES: dict[str, tuple[type, ...]] = {
        "digital_level": (int,),
        "consent": (bool,),
        "woman_led": (bool, type(None)),
        "schedules": (list,),
    }

    def __init__(self, data: dict[str, Any], *, call: Call) -> None:
        self.type_errors: dict[str, str] = {}
        self.raw_keys = set(data)
        data = dict(data)
        for name, value in list(data.items()):
            expected = self.JSON_TYPES.get(name, (str, type(None)))
            ok = isinstance(value, expected) and not (
                isinstance(value, bool) and bool not in expected
            )
            if name == "schedules" and ok:
                ok = all(isinstance(item, str) for item in value)
            if not ok:
                self.type_errors[name] = TYPE_MESSAGES[expected[0]]
                del data[name]
            elif value is None:
                del data[name]
        if "woman_led" in data:
            data["woman_led"] = "true" if data["woman_led"] else "false"
        super().__init__(data, call=call)

    def clean_ubigeo(self) -> str:
        code = v.clean_ubigeo(self.cleaned_data["ubigeo"])
        if code == "15":
            raise ValidationError(
                _("For Lima give at least the province: 1501 is Lima Metropolitana.")
            )
        return code

    def clean_consent_version(self) -> str:
        version = self.cleaned_data["consent_version"].strip()
        if version != self.call.consent_version:
            raise ValidationError(
                _("The current consent text is version %(v)s; show it and send its version."),
                params={"v": self.call.consent_version},
            )
        return version

    def full_clean(self) -> None:
        super().full_clean()
        errors = self.errors
        for name, message in self.type_errors.items():
            errors[name] = self.error_class([str(message)])
        for name in sorted(self.raw_keys - set(self.fields)):
            errors[name] = self.error_class([str(_("Unknown field."))])
        for name in errors:
            self.cleaned_data.pop(name, None)


TYPE_MESSAGES: dict[type, Any] = {
    str: _("Must be a text string."),
    int: _("Must be a whole number."),
    bool: _("Must be true or false."),
    list: _("Must be a list of text strings."),
}


def api_errors(form: ApplicationApiForm) -> dict[str, list[str]]:
    """Form errors as the API returns them: {field: [message, ...]}."""
    errors: dict[str, list[str]] = {}
    for field, messages in form.errors.items():
        errors[field if field != "__all__" else "non_field_errors"] = [str(m) for m in messages]
    return errors
