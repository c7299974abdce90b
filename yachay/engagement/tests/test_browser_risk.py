"""Staff read the at-risk list and the model card and record what they did, on a phone and
a desktop, signing in with a password. axe-core checks every page at both widths."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from yachay.accounts.models import User
from yachay.cohorts.models import Enrollment
from yachay.core.actors import SYSTEM
from yachay.engagement import services
from yachay.engagement.models import RiskAction
from yachay.engagement.tests.conftest import Live
from yachay.engagement.tests.test_browser_engagement import shot
from yachay.intake.tests.test_browser import (  # noqa: F401  (fixtures)
    DESKTOP,
    PHONE,
    OpenSession,
    browser,
    open_session,
)

pytestmark = pytest.mark.browser


def _sign_in(page: Page, username: str, path: str) -> None:
    page.goto(path)
    assert urlsplit(page.url).path == "/personal/entrar/"
    page.get_by_label("Usuario o correo").fill(username)
    page.get_by_label("Contraseña").fill("x-Secret-9")
    page.get_by_role("button", name="Entrar").click()
    assert urlsplit(page.url).path == path


def test_staff_read_who_is_at_risk_and_record_what_they_did(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    users: dict[str, User],
) -> None:
    # A finished cohort to train on (too small: the rule stays in force), then the same
    # learners three weeks into a running cohort, without activity: at risk by the rule.
    today = timezone.localdate()
    for cohort in (live.cohort, live.other):
        cohort.starts_on, cohort.ends_on = today - dt.timedelta(weeks=7), today - dt.timedelta(1)
        cohort.save()
    services.risk_train(program=live.cohort.call.program, actor=SYSTEM)
    for cohort in (live.cohort, live.other):
        cohort.starts_on, cohort.ends_on = today - dt.timedelta(weeks=3), today
        cohort.save()
    services.risk_score(actor=SYSTEM)
    first = live.enrollments[0]
    for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_session(**options).page
        _sign_in(page, users["admin"].username, "/programa/en-riesgo/")
        assert "sin actividad hace 21 días" in page.content()
        assert "la regla simple" in page.content()
        shot(page, f"{size}-risk-list")
        page.get_by_role("link", name="Cómo se calcula (ficha del modelo)").click()
        assert "Ficha del modelo de riesgo" in page.content()
        shot(page, f"{size}-risk-model")

        page = open_session(**options).page
        _sign_in(page, users["instructor"].username, "/programa/en-riesgo/")
        card = page.locator(f"#e{first.pk}")
        card.get_by_label("Nota (opcional)").fill(f"Llamé ({size}); vuelve el lunes.")
        card.get_by_role("button", name="Registrar").click()
        assert "Registrado:" in page.content()
        shot(page, f"{size}-risk-recorded")
        page.goto(f"/personas/{first.application_id}/mensajes/")
        assert f"Llamé ({size})" in page.content()
        shot(page, f"{size}-risk-person")
    assert RiskAction.objects.filter(enrollment=first).count() == 2
    assert not Enrollment.objects.filter(pk=first.pk, risk_actions__kind="help").exists()
