"""A call selected by a seeded lottery and published, and survey answers written as rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from yachay.core.actors import SYSTEM
from yachay.intake.models import Application
from yachay.intake.services import application_submit
from yachay.programs.models import Call, Target
from yachay.selection.models import SelectionPolicy, SelectionRun
from yachay.selection.services import selection_dry_run, selection_publish
from yachay.surveys.models import Answer, Invitation, Survey

UBIGEOS = ("150101", "080101", "210101", "030101", "040101")


def submit(call: Call, i: int, gender: str) -> Application:
    data = {
        "dni": f"7{i:07d}", "dni_check": "", "given_names": "Urpi", "paternal_surname": "Quispe",
        "maternal_surname": "", "birth_date": dt.date(1980 + i % 20, 1 + i % 12, 1),
        "gender": gender, "email": f"p{i}@example.pe", "phone": "+51987654321",
        "ubigeo": UBIGEOS[i % len(UBIGEOS)], "segment": "entrepreneur", "ruc": "",
        "business_name": "", "sector": "", "woman_led": i % 3 == 0,
        "digital_level": 1 + i % 5, "modality": "virtual", "schedules": ["evening"],
        "accessibility_needs": "", "consent_version": call.consent_version,
    }  # fmt: skip
    return application_submit(
        call=call, data=data, consent_ip="127.0.0.1", actor=SYSTEM, source="web"
    )


def publish_call(call: Call, *, applicants: int, seats: int, kind: str = "lottery") -> SelectionRun:
    call.ruc_required_segments = []
    call.seats = seats
    call.save()
    for i in range(applicants):
        submit(call, i, "female" if i % 5 < 2 else "male")  # 40 % women
    call.closes_at = timezone.now() - dt.timedelta(minutes=1)
    call.opens_at = call.closes_at - dt.timedelta(days=30)
    call.save()
    SelectionPolicy.objects.create(call=call, seed="sorteo-impacto-1", kind=kind)
    Target.objects.create(
        program=call.program, kind="min", measure="share", amount=Decimal(50),
        dimension="gender", value="female",
    )  # fmt: skip
    run = selection_dry_run(call=call, actor=SYSTEM)
    return selection_publish(run=run, actor=SYSTEM)


@pytest.fixture
def lottery_run(call: Call) -> SelectionRun:
    """80 applicants (32 women), 30 seats, at least half women: a lottery in each gender."""
    return publish_call(call, applicants=80, seats=30)


def survey(kind: str, slug: str) -> Survey:
    return Survey.objects.get_or_create(
        slug=slug, defaults={"kind": kind, "title": slug, "content_hash": "x" * 64}
    )[0]


def answer(survey_obj: Survey, application_id: int, values: dict[str, Any]) -> Invitation:
    """A submitted invitation with these answers (rows, as the surveys service writes them)."""
    now = timezone.now()
    inv = Invitation.objects.create(
        survey=survey_obj,
        application_id=application_id,
        token_hash=f"{survey_obj.pk:04d}{application_id:060d}",
        wording=Invitation.Wording.APPLICANT_FOLLOWUP,
        created_at=now,
        submitted_at=now,
    )
    for q, v in values.items():
        Answer.objects.create(
            invitation=inv,
            question=q,
            number=v if isinstance(v, int | float) else None,
            text=v if isinstance(v, str) else "",
            updated_at=now,
        )
    return inv
