"""The demo's surveys: the four surveys of content/surveys imported, a baseline invitation for
every applicant of the open call and of the history call (at the moment they applied), the
end-of-course invitation of every learner of the history call who completed, and answers from
most of them, recorded through the same service as the web form (``answer_submit``) so they
obey the same rules.

The answers are synthetic and seeded: who answers (about 65 % of the baseline, 70 % of the end
of course) and what they say depends on the person (a higher digital level makes AI use
likelier; sales and customers grow with the number of employees). No message is sent for them:
the invitations are marked as made by the demo (``send=False``); the impact study's demo adds
the follow-ups of both lottery arms through ``surveys.services`` (docs/demo-data.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from random import Random
from typing import Any

from django.db import transaction
from django.utils import timezone

from yachay.cohorts.models import Enrollment
from yachay.intake.models import Application
from yachay.programs.models import Call
from yachay.surveys import services
from yachay.surveys.models import Invitation

SEED = 1606
BASELINE_SHARE = 0.65
END_SHARE = 0.70
AI_USES = ["textos", "imagenes", "clientes", "ideas", "cuentas", "aprender"]


@dataclass(frozen=True)
class DemoSurveys:
    surveys: int
    invited: int
    answered: int


def baseline_answers(rng: Random, application: Application) -> dict[str, Any]:
    """What one applicant might answer to ``linea-base``."""
    level = application.digital_level or 2
    situation = rng.choices(
        ["negocio-propio", "trabajo-mype", "por-emprender", "otro"], weights=[55, 25, 15, 5]
    )[0]
    running = situation in ("negocio-propio", "trabajo-mype")
    employees = rng.choice([1, 1, 2, 2, 3, 4, 6, 9]) if running else 0
    uses_ai = rng.random() < 0.08 + 0.09 * level
    answers: dict[str, Any] = {
        "situacion": situation,
        "employees": employees,
        "digital_tools": min(50, max(0, int(rng.gauss(1.5 + level, 1.2)))),
        "canales_venta": rng.sample(
            ["presencial", "whatsapp", "redes", "marketplace"], rng.randint(1, 3)
        ),
        "uses_ai": "si" if uses_ai else "no",
        "confidence_ai": max(
            1, min(5, round(rng.gauss(1.4 + 0.5 * level + (0.8 if uses_ai else 0), 0.9)))
        ),
    }
    if running:
        answers["antiguedad"] = rng.choice(["menos-1", "1-3", "3-10", "mas-10"])
        if rng.random() < 0.85:  # optional: some prefer not to say
            answers["monthly_sales_pen"] = round(
                rng.lognormvariate(8.0, 0.8) * max(employees, 1) ** 0.6, -1
            )
        if rng.random() < 0.8:
            answers["customers_month"] = max(
                1, int(rng.lognormvariate(3.6, 0.9) * max(employees, 1) ** 0.5)
            )
    if uses_ai:
        answers["ai_uses"] = rng.sample(AI_USES, rng.randint(1, 3))
    if rng.random() < 0.3:
        answers["meta"] = rng.choice(
            [
                "Vender más por WhatsApp y redes.",
                "Ordenar mis cuentas y mi inventario.",
                "Atender mejor a mis clientes.",
                "Hacer publicidad sin gastar tanto.",
            ]
        )
    return answers


def end_answers(rng: Random) -> dict[str, Any]:
    """What one learner who completed might answer to ``fin-de-curso``."""
    satisfaction = rng.choices([2, 3, 4, 5], weights=[5, 15, 45, 35])[0]
    return {
        "satisfaction": satisfaction,
        "useful": max(1, min(5, satisfaction + rng.choice([-1, 0, 0, 1]))),
        "pace": rng.choices(["rapido", "adecuado", "lento"], weights=[20, 72, 8])[0],
        "recommend": max(1, min(5, satisfaction + rng.choice([-1, 0, 0, 0, 1]))),
        "will_apply": rng.sample(
            ["clientes", "publicidad", "ventas", "gestion", "ensenar"], rng.randint(1, 3)
        ),
        "obstacles": rng.sample(["conexion", "tiempo", "equipo", "contenido"], rng.randint(0, 2)),
    }


def _answer(invitation: Invitation, answers: dict[str, Any], at: dt.datetime) -> bool:
    try:
        services.answer_submit(invitation, answers, now=at)
    except services.AnswerRefused:
        return False  # already answered (a second load), or closed
    return True


def demo_surveys_load(
    *, calls: list[Call], seed: int = SEED, now: dt.datetime | None = None
) -> DemoSurveys:
    """Import the surveys, invite and answer (see the module). Idempotent per person."""
    now = now or timezone.now()
    rng = Random(seed)
    reports = services.surveys_import_all()
    invited = answered = 0
    with transaction.atomic():
        applications = list(Application.objects.filter(call__in=calls).order_by("pk"))
        invitations = services.invite_many(
            applications,
            "linea-base",
            send=False,
            now=now,
            invited_at=lambda a: min(a.created_at, now),
        )
        by_person = {a.pk: a for a in applications}
        for invitation in sorted(invitations, key=lambda i: i.application_id):
            invited += 1
            if rng.random() < BASELINE_SHARE:
                when = min(invitation.created_at + dt.timedelta(hours=rng.randint(1, 96)), now)
                person = by_person[invitation.application_id]
                answered += _answer(invitation, baseline_answers(rng, person), when)
        completed = list(
            Enrollment.objects.filter(
                application__call__in=calls, status=Enrollment.Status.COMPLETED
            )
            .select_related("application")
            .order_by("pk")
        )
        finished = {e.application_id: e for e in completed}
        invitations = services.invite_many(
            [e.application for e in completed],
            "fin-de-curso",
            send=False,
            now=now,
            invited_at=lambda a: min(finished[a.pk].status_changed_at or now, now),
        )
        for invitation in sorted(invitations, key=lambda i: i.application_id):
            invited += 1
            if rng.random() < END_SHARE:
                when = min(invitation.created_at + dt.timedelta(hours=rng.randint(1, 72)), now)
                answered += _answer(invitation, end_answers(rng), when)
    return DemoSurveys(surveys=len(reports), invited=invited, answered=answered)
