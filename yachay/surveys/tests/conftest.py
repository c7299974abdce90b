"""The four surveys of content/surveys imported, and people to invite (cohorts' ``live``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from yachay.cohorts.tests.conftest import Live, live
from yachay.surveys import services
from yachay.surveys.models import Invitation

LIMA = ZoneInfo("America/Lima")
TODAY = dt.datetime.now(LIMA).date()
NOON = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=LIMA)  # inside sending hours
NIGHT = dt.datetime.combine(TODAY, dt.time(23, 0), tzinfo=LIMA)  # quiet hours


@pytest.fixture
def surveys(db: None) -> list[services.ImportReport]:
    return services.surveys_import_all(folder=Path(settings.BASE_DIR) / "content" / "surveys")


def invited(live: Live, slug: str = "linea-base", i: int = 0, **kw: Any) -> tuple[Invitation, str]:
    application = live.enrollments[i].application
    invitation = services.invite(application, slug, send=False, **kw)
    return invitation, services.token_for(invitation.survey_id, application.pk)


def url(token: str) -> str:
    return f"/encuestas/{token}/"


def post(client: Client, token: str, page: int, action: str = "next", **answers: Any) -> Any:
    data: dict[str, Any] = {"page": page, "action": action}
    for key, value in answers.items():
        data[f"q-{key}"] = value
    return client.post(url(token), data)


__all__ = ["LIMA", "NIGHT", "NOON", "Live", "invited", "live", "post", "surveys", "url"]
