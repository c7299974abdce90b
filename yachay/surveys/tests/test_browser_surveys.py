"""A person answers a survey from the link in their message on a phone (390 px), without
JavaScript: page by page, leaving and coming back, sending once; a program admin signs in
and reads the surveys page at 1280 px. axe-core checks every page at both widths."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from yachay.accounts.models import User
from yachay.core.tests.browser import assert_accessible_at_widths
from yachay.intake.tests.test_browser import (  # noqa: F401  (fixtures)
    DESKTOP,
    PHONE,
    SHOTS,
    OpenSession,
    browser,
    no_sideways_scroll,
    open_session,
)
from yachay.surveys import services
from yachay.surveys.models import Invitation
from yachay.surveys.tests.conftest import Live, invited

pytestmark = pytest.mark.browser


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("load")
    no_sideways_scroll(page)
    assert_accessible_at_widths(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_person_answers_on_a_phone_without_javascript(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    surveys: Any,
) -> None:
    invitation, token = invited(live)
    page = open_session(**PHONE, java_script_enabled=False).page
    page.goto(f"/encuestas/{token}/")
    assert "Página 1 de 3" in page.content()
    shot(page, "phone-survey-page-1")
    page.get_by_label("Tengo un negocio propio").check()
    page.get_by_label("¿Cuántas personas trabajan en el negocio, contándote a ti?").fill("-3")
    page.get_by_role("button", name="Siguiente").click()
    assert "Escribe un número de 0 a 10 000." in page.content()
    shot(page, "phone-survey-error")
    page.get_by_label("¿Cuántas personas trabajan en el negocio, contándote a ti?").fill("3")
    page.get_by_role("button", name="Guardar y terminar después").click()
    assert "quedaron guardadas" in page.content()
    shot(page, "phone-survey-saved")
    # Later, the same link: page 1 is complete (its other questions are optional).
    page.goto(f"/encuestas/{token}/")
    assert "Página 2 de 3" in page.content()  # resumes where the answers stop
    page.get_by_label("De 1 a 3 años").check()
    page.get_by_label("¿Cuántas herramientas digitales usas", exact=False).fill("4")
    page.get_by_label("Por WhatsApp").check()
    page.locator("input[name=q-uses_ai][value=si]").check()
    shot(page, "phone-survey-page-2")
    page.get_by_role("button", name="Siguiente").click()
    assert "¿Para qué la usas?" in page.content()
    page.get_by_label("Responder a clientes").check()
    page.locator("input[name=q-confidence_ai][value='4']").check()
    shot(page, "phone-survey-page-3")
    page.get_by_role("button", name="Enviar mis respuestas").click()
    assert "quedaron registradas" in page.content()
    shot(page, "phone-survey-thanks")
    invitation.refresh_from_db()
    assert invitation.submitted_at is not None
    page.goto(f"/encuestas/{token}/")
    assert "ya están registradas" in page.content()


def test_staff_read_the_surveys_page(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    surveys: Any,
    users: dict[str, User],
    settings: Any,
) -> None:
    settings.YACHAY_SMALL_CELL_K = 1
    for i in range(3):
        invitation, _token = invited(live, i=i)
        services.answer_submit(
            Invitation.objects.get(pk=invitation.pk),
            {"situacion": "negocio-propio", "employees": i + 1, "monthly_sales_pen": 2500 * (i + 1),
             "customers_month": 40, "antiguedad": "1-3", "digital_tools": 3, "uses_ai": "si",
             "ai_uses": ["textos", "clientes"][: i + 1], "confidence_ai": 3 + (i % 2)},
        )  # fmt: skip
    for size, options in (("desktop", DESKTOP), ("phone", PHONE)):
        page = open_session(**options).page
        page.goto("/informes/encuestas/")
        assert urlsplit(page.url).path == "/personal/entrar/"
        page.get_by_label("Usuario o correo").fill(users["admin"].username)
        page.get_by_label("Contraseña").fill("x-Secret-9")
        page.get_by_role("button", name="Entrar").click()
        assert urlsplit(page.url).path == "/informes/encuestas/"
        assert "Tasas de respuesta por etapa" in page.content()
        shot(page, f"{size}-surveys-report")
