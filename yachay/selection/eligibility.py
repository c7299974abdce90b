"""Eligibility: which applications may enter a selection run, and why not.

Pure: takes plain facts about an application and the call's rules, returns the
codes of the rules it fails (empty when eligible). The words an applicant reads
for each code are in ``RULE_MESSAGES``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from yachay.core import ubigeo
from yachay.core.dates import age_on


@dataclass(frozen=True)
class CallRules:
    closes_on: dt.date
    min_age: int
    max_age: int
    allowed_segments: frozenset[str]
    ruc_required_segments: frozenset[str]


@dataclass(frozen=True)
class ApplicantFacts:
    dni: str
    birth_date: dt.date
    segment: str
    ruc: str
    consent_version: str
    ubigeo: str


RULE_MESSAGES = {
    "age": _(
        "Your age on the call's closing date is outside the range this call is for "
        "(%(min)d to %(max)d years)."
    ),
    "segment": _("This call is not open to people who apply as %(segment)s."),
    "ruc": _("Applicants who apply as %(segment)s must give their business's RUC."),
    "consent": _("We have no record of your consent to the processing of your data."),
    "ubigeo": _("The place you gave (ubigeo %(ubigeo)s) does not exist."),
    "already_admitted": _(
        "You already have a place in this program through another call; "
        "a person can take the program once."
    ),
}


def failed_rules(
    facts: ApplicantFacts, rules: CallRules, admitted_elsewhere: Collection[str]
) -> list[str]:
    """The codes of every rule the application fails, in a stable order."""
    failed: list[str] = []
    if not rules.min_age <= age_on(facts.birth_date, rules.closes_on) <= rules.max_age:
        failed.append("age")
    if facts.segment not in rules.allowed_segments:
        failed.append("segment")
    if facts.segment in rules.ruc_required_segments and not facts.ruc:
        failed.append("ruc")
    if not facts.consent_version:
        failed.append("consent")
    if not ubigeo.exists(facts.ubigeo):
        failed.append("ubigeo")
    if facts.dni in admitted_elsewhere:
        failed.append("already_admitted")
    return failed
