"""What an application holds about its applicant (the registry: yachay/core/personal_data.py).

Cancelling (ARCO) and the call's retention rule (``privacy_shred``) anonymise an application
rather than delete it: the funnel of a past call (applied, eligible, admitted...) counts its
row by department, gender, segment, age band and modality, so those facts stay and everything
that says *who* goes. The DNI and reference are replaced by values made from the row's id
(unique, as their constraints ask, and meaningless), the birth date by the day that gives the
same age on the call's closing day (the day ages are counted on), the district by its
department (by its province in Lima, which the targets split into Lima Metropolitana and Lima
Provincias).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yachay.core.dates import age_on
from yachay.core.personal_data import Category as C
from yachay.core.personal_data import Field, declare
from yachay.core.personal_data import OnCancel as X
from yachay.core.personal_data import Retention as R
from yachay.intake.models import Application

#: An anonymised application's DNI and reference start with this letter (a real DNI is
#: eight digits, a real reference starts with "YCH-"): how shredding knows it is done.
ANONYMISED_PREFIX = "X"

#: The consent IP of an anonymised application: an address that is no one's.
NO_ADDRESS = "0.0.0.0"  # noqa: S104  (a stored value, not an address to bind)

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _base36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
        if not n:
            return out


def anonymised_dni(app: Application) -> str:
    return ANONYMISED_PREFIX + _base36(app.pk).rjust(7, "0")


def anonymised_reference(app: Application) -> str:
    return ANONYMISED_PREFIX + _base36(app.pk).rjust(9, "0")


def is_anonymised(app: Application) -> bool:
    return app.dni.startswith(ANONYMISED_PREFIX)


def generalised_birth_date(birth: dt.date, closing_day: dt.date) -> dt.date:
    """The birth date that gives the same age on ``closing_day`` and says nothing else: the
    closing day, that many years earlier (28 February for a closing on 29 February)."""
    years = age_on(birth, closing_day)
    try:
        return closing_day.replace(year=closing_day.year - years)
    except ValueError:  # 29 February in a year that has none
        return closing_day.replace(year=closing_day.year - years, day=28)


def anonymised_birth_date(app: Application) -> dt.date:
    return generalised_birth_date(app.birth_date, timezone.localtime(app.call.closes_at).date())


def generalised_ubigeo(code: str) -> str:
    """The department (2 digits), or the province (4) in Lima, whose provinces the targets
    split into Lima Metropolitana and Lima Provincias."""
    return code[:4] if code.startswith("15") else code[:2]


APPLICANT = _("to select the participants of a call, as its published rules and targets say")
CONTACT = _("to tell the applicant about their application, offer and place")
FIGURES = _(
    "the program's published figures (the funnel by department, gender, segment, age band "
    "and modality) count every application; alone it identifies nobody"
)
CONSENT = _("proof that the applicant consented to the processing (Ley 29733), and to which text")

declare(
    "intake.Application",
    subject="applicant",
    purpose=APPLICANT,
    select_related=("call",),
    personal={
        "dni": Field(
            C.IDENTIFIER,
            _("to check eligibility and that a person applies once per call"),
            R.CALL,
            X.ANONYMISE,
            to=anonymised_dni,
        ),
        "dni_check": Field(C.IDENTIFIER, APPLICANT, R.CALL, X.ERASE),
        "reference": Field(
            C.IDENTIFIER,
            _("the applicant's proof of their application, with their DNI"),
            R.CALL,
            X.ANONYMISE,
            to=anonymised_reference,
        ),
        "given_names": Field(C.IDENTIFIER, APPLICANT, R.CALL, X.ERASE),
        "paternal_surname": Field(C.IDENTIFIER, APPLICANT, R.CALL, X.ERASE),
        "maternal_surname": Field(C.IDENTIFIER, APPLICANT, R.CALL, X.ERASE),
        "birth_date": Field(
            C.DEMOGRAPHIC,
            _("the call's age limits and the figures by age band"),
            R.CALL,
            X.ANONYMISE,
            to=anonymised_birth_date,
        ),
        "gender": Field(
            C.DEMOGRAPHIC,
            _("the program's targets for women, and its figures"),
            R.AGGREGATE,
            X.KEEP,
            reason=FIGURES,
        ),
        "email": Field(C.CONTACT, CONTACT, R.CALL, X.ERASE),
        "phone": Field(C.CONTACT, CONTACT, R.CALL, X.ERASE),
        "ubigeo": Field(
            C.DEMOGRAPHIC,
            _("the targets for the regions, and in-person cohorts near the applicant"),
            R.CALL,
            X.ANONYMISE,
            to=lambda app: generalised_ubigeo(app.ubigeo),
        ),
        "department": Field(
            C.DEMOGRAPHIC,
            _("the targets for the regions, and the figures by department"),
            R.AGGREGATE,
            X.KEEP,
            reason=FIGURES,
        ),
        "segment": Field(
            C.DEMOGRAPHIC,
            _("eligibility and the figures by segment"),
            R.AGGREGATE,
            X.KEEP,
            reason=FIGURES,
        ),
        "ruc": Field(
            C.IDENTIFIER,
            _("eligibility of business owners (a natural person's RUC holds their DNI)"),
            R.CALL,
            X.ERASE,
        ),
        "business_name": Field(C.ECONOMIC, APPLICANT, R.CALL, X.ERASE),
        "sector": Field(C.ECONOMIC, APPLICANT, R.CALL, X.ERASE),
        "woman_led": Field(C.ECONOMIC, _("a selection criterion"), R.CALL, X.ERASE),
        "digital_level": Field(
            C.DEMOGRAPHIC,
            _("a selection criterion, and the level of the cohort"),
            R.AGGREGATE,
            X.KEEP,
            reason=_("a level from 1 to 5 that identifies nobody; selection's record of why"),
        ),
        "modality": Field(
            C.DEMOGRAPHIC,
            _("cohort assignment, and the figures by modality"),
            R.AGGREGATE,
            X.KEEP,
            reason=FIGURES,
        ),
        "schedules": Field(
            C.DEMOGRAPHIC,
            _("cohort assignment"),
            R.AGGREGATE,
            X.KEEP,
            reason=_("time slots shared by thousands; identify nobody"),
        ),
        "accessibility_needs": Field(
            C.SENSITIVE,
            _("to adapt sessions and venues to the person (health data, sensitive: Ley 29733)"),
            R.PROGRAM,
            X.ERASE,
        ),
        "consent_version": Field(
            C.TECHNICAL, CONSENT, R.AGGREGATE, X.KEEP, reason=_("the text version, not the person")
        ),
        "consent_at": Field(
            C.TECHNICAL,
            CONSENT,
            R.AGGREGATE,
            X.KEEP,
            reason=_("the time of the application; the weekly figures count it"),
        ),
        "consent_ip": Field(C.TECHNICAL, CONSENT, R.CALL, X.ANONYMISE, to=NO_ADDRESS),
        "created_at": Field(
            C.TECHNICAL,
            _("the order of applications and the weekly figures"),
            R.AGGREGATE,
            X.KEEP,
            reason=FIGURES,
        ),
    },
    not_personal="id call status source api_key submission_key language",
)
