"""Input parsing for applications: one set of rules for the web form and the API.

``ApplicationFields`` holds every field and rule both share; the web form adds
the three place selects and the consent box, the API form the ubigeo code and
the consent flag with its version.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, Protocol

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from yachay.core import ubigeo
from yachay.core import validators as v
from yachay.core.choices import Gender, Modality, Sector, Segment, slot_choices
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


def required(message: Any) -> dict[str, Any]:
    """Each required field says what is missing in words, not "This field is required"."""
    return {"required": message}


def text_input(autocomplete: str, **attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": autocomplete, **attrs})


# Digits only: a phone shows its number pad. ``pattern`` makes iOS do so as well; the form is
# ``novalidate``, so it never blocks the form, the server's message does.
DIGITS = {"inputmode": "numeric", "pattern": "[0-9]*"}


class CallShape(Protocol):
    """What fitting the fields reads of a call: its segments, modalities and RUC rule."""

    @property
    def allowed_segments(self) -> Sequence[str]: ...
    @property
    def modalities(self) -> Sequence[str]: ...
    @property
    def ruc_required_segments(self) -> Sequence[str]: ...


class ApplicationFields(forms.Form):
    # ``autocomplete`` tokens (WCAG 1.3.5) let a phone fill a person's own data. The maternal
    # surname has none on purpose: HTML's only other name token, additional-name, means a
    # middle name and would fill the wrong thing; DNI, RUC and the rest have no token.
    dni = forms.CharField(
        label=_("DNI"),
        max_length=20,
        help_text=_("8 digits, as on your ID card."),
        widget=text_input("off", **DIGITS),
        error_messages=required(_("Write your DNI.")),
    )
    dni_check = forms.CharField(
        label=_("DNI check character (optional)"),
        max_length=5,
        required=False,
        help_text=_("The digit or letter after the DNI number on your card."),
        widget=text_input("off"),
    )
    given_names = forms.CharField(
        label=_("Given names"),
        max_length=10_000,
        widget=text_input("given-name"),
        error_messages=required(_("Write your given names.")),
    )
    paternal_surname = forms.CharField(
        label=_("Paternal surname"),
        max_length=10_000,
        widget=text_input("family-name"),
        error_messages=required(_("Write your paternal surname.")),
    )
    maternal_surname = forms.CharField(
        label=_("Maternal surname (optional)"), max_length=10_000, required=False
    )
    birth_date: forms.Field = forms.DateField(  # ApplicationForm's: three boxes
        label=_("Birth date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "invalid": _("Write the date as year-month-day, such as 1990-05-04."),
            **required(_("Write your birth date.")),
        },
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=Gender.choices,
        widget=forms.RadioSelect,
        error_messages=required(_("Choose an option (one is “prefer not to say”).")),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "invalid": _("Write a valid email address, such as nombre@ejemplo.pe."),
            **required(_("Write your email address: we send your reference code there.")),
        },
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=100,
        help_text=_("For example 987 654 321."),
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel-national"}
        ),
        error_messages=required(_("Write your mobile phone number.")),
    )
    segment = forms.ChoiceField(
        label=_("You apply as"),
        choices=Segment.choices,
        widget=forms.RadioSelect,
        error_messages=required(_("Choose how you apply.")),
    )
    ruc = forms.CharField(
        label=_("RUC"), max_length=100, required=False, widget=text_input("off", **DIGITS)
    )
    business_name = forms.CharField(
        label=_("Business name (optional)"),
        max_length=10_000,
        required=False,
        widget=text_input("organization"),
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
        error_messages=required(_("Choose the sentence closest to how you use them.")),
    )
    modality = forms.ChoiceField(
        label=_("Preferred modality"),
        choices=Modality.choices,
        widget=forms.RadioSelect,
        error_messages=required(_("Choose virtual or in person.")),
    )
    schedules = forms.MultipleChoiceField(
        label=_("When can you attend?"),
        choices=slot_choices(),
        widget=forms.CheckboxSelectMultiple,
        error_messages=required(_("Choose at least one schedule.")),
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
        self.fit_fields_to(call)

    def fit_fields_to(self, call: CallShape) -> None:
        """The call's segments and modalities as choices, and the words of our messages."""
        # Django's own message addresses the reader formally; ours speaks as the form does.
        for field in self.fields.values():
            if "invalid_choice" in field.error_messages:
                field.error_messages["invalid_choice"] = INVALID_CHOICE
        allowed = set(call.allowed_segments)
        set_choices(self, "segment", [c for c in Segment.choices if c[0] in allowed])
        offered = set(call.modalities)
        set_choices(self, "modality", [c for c in Modality.choices if c[0] in offered])
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


class BirthDateWidget(forms.MultiWidget):
    """Day, month (by name) and year: quicker for an older person than a date picker that
    opens on today and needs decades of scrolling, and no mm/dd/yyyy to misread."""

    template_name = "intake/widgets/birth_date.html"
    use_fieldset = True

    def __init__(self) -> None:
        months = [("", _("— month —")), *((str(n), name) for n, name in MONTHS.items())]
        super().__init__(
            widgets={
                "day": text_input("bday-day", maxlength="2", size="2", **DIGITS),
                "month": forms.Select(attrs={"autocomplete": "bday-month"}, choices=months),
                "year": text_input("bday-year", maxlength="4", size="4", **DIGITS),
            }
        )

    def decompress(self, value: Any) -> list[str]:
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        labels = [_("Day"), _("Month"), _("Year")]
        for sub, label in zip(context["widget"]["subwidgets"], labels, strict=True):
            sub["label"] = label
        return context


_ONE_OR_TWO_DIGITS = re.compile(r"[0-9]{1,2}")
_FOUR_DIGITS = re.compile(r"[0-9]{4}")
EARLIEST_YEAR = 1900


class BirthDateField(forms.Field):
    """Three boxes in, one ``datetime.date`` out; each mistake gets its own message, and
    what the person typed comes back as they typed it."""

    widget = BirthDateWidget

    def to_python(self, value: Any) -> dt.date | None:
        parts = list(value) if isinstance(value, list | tuple) else []
        day, month, year = ([p.strip() if isinstance(p, str) else "" for p in parts] + [""] * 3)[:3]
        if not (day or month or year):
            return None
        problems: list[Any] = []
        if not day:
            problems.append(_("Write the day you were born."))
        elif not _ONE_OR_TWO_DIGITS.fullmatch(day) or not 1 <= int(day) <= 31:
            problems.append(_("The day is a number from 1 to 31."))
        if not month:
            problems.append(_("Choose the month you were born."))
        elif not _ONE_OR_TWO_DIGITS.fullmatch(month) or not 1 <= int(month) <= 12:
            problems.append(INVALID_CHOICE)
        this_year = timezone.localdate().year
        if not year:
            problems.append(_("Write the year you were born."))
        elif not _FOUR_DIGITS.fullmatch(year):
            problems.append(_("Write the year with four digits, such as 1985."))
        elif int(year) < EARLIEST_YEAR:
            problems.append(
                _("Check the year: write one between %(first)d and %(last)d.")
                % {"first": EARLIEST_YEAR, "last": this_year}
            )
        if problems:
            raise ValidationError(problems)
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(
                _("There is no %(day)s %(month)s %(year)s: check the day and the month.")
                % {"day": int(day), "month": MONTHS[int(month)], "year": year}
            ) from None


class ApplicationForm(ApplicationFields):
    """The public web form: birth date in three boxes, place by three selects, consent by
    a box."""

    birth_date = BirthDateField(
        label=_("Birth date"),
        help_text=_("For example: 4, May, 1990."),
        error_messages=required(_("Write your birth date: day, month and year.")),
    )
    department = forms.ChoiceField(
        label=_("Department"),
        widget=forms.Select(attrs={"autocomplete": "address-level1"}),
        error_messages=required(_("Choose your department.")),
    )
    province = forms.ChoiceField(
        label=_("Province"),
        widget=forms.Select(attrs={"autocomplete": "address-level2"}),
        error_messages=required(_("Choose your province.")),
    )
    district = forms.ChoiceField(
        label=_("District"),
        widget=forms.Select(attrs={"autocomplete": "address-level3"}),
        error_messages=required(_("Choose your district.")),
    )
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

    @classmethod
    def keeping(cls, data: Any, *, call: Call) -> ApplicationForm:
        """An unbound form showing what was posted: no JavaScript, the person asked for the
        place lists and must find everything they typed still there, with no errors yet."""
        initial = data.dict() | {
            "schedules": data.getlist("schedules"),
            "birth_date": BirthDateWidget().value_from_datadict(
                data, MultiValueDict(), "birth_date"
            ),
        }
        return cls(initial=initial, call=call)

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
        # The fields, fitted to this call, are built once per call and shared by the forms
        # that follow: Django deep-copies every field of every form it makes, a sixth of the
        # API's CPU per application (bench/intake_profile.py). Validating reads a field and
        # never changes it, and the API never renders one.
        # mypy: Django declares base_fields on the class; this instance shadows it on purpose.
        self.base_fields = _api_fields(call)  # type: ignore[misc]
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

    def fit_fields_to(self, call: CallShape) -> None:
        """Nothing to do: ``_api_fields`` fitted the shared fields once, for this call."""

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

    def _clean_fields(self) -> None:
        # Django's own loop, without building a BoundField (html name, label, initial...)
        # for each of the 21 fields of every request: the API never renders one. That was a
        # third of validating an application (bench/intake_profile.py).
        for name, field in self.fields.items():
            try:
                value = field.widget.value_from_datadict(self.data, self.files, name)
                self.cleaned_data[name] = field.clean(value)
                clean_field = getattr(self, f"clean_{name}", None)
                if clean_field is not None:
                    self.cleaned_data[name] = clean_field()
            except ValidationError as e:
                self.add_error(name, e)

    def full_clean(self) -> None:
        super().full_clean()
        errors = self.errors
        for name, message in self.type_errors.items():
            errors[name] = self.error_class([str(message)])
        for name in sorted(self.raw_keys - set(self.fields)):
            errors[name] = self.error_class([str(_("Unknown field."))])
        for name in errors:
            self.cleaned_data.pop(name, None)


class _SharedFields(dict[str, forms.Field]):
    """Fields that a form takes as they are, instead of deep-copying them."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return dict(self)


@functools.lru_cache(maxsize=64)
def _fields_for(
    segments: tuple[str, ...], modalities: tuple[str, ...], ruc_segments: tuple[str, ...]
) -> _SharedFields:
    form = ApplicationFields.__new__(ApplicationApiForm)
    form.fields = copy.deepcopy(ApplicationApiForm.base_fields)
    shape = SimpleNamespace(
        allowed_segments=segments, modalities=modalities, ruc_required_segments=ruc_segments
    )
    ApplicationFields.fit_fields_to(form, shape)
    return _SharedFields(form.fields)


def _api_fields(call: Call) -> _SharedFields:
    # Keyed by what the fields depend on, not by the call: an edited call gets new fields.
    return _fields_for(
        tuple(call.allowed_segments), tuple(call.modalities), tuple(call.ruc_required_segments)
    )


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
