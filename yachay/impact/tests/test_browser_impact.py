"""A program admin and a coordinator sign in and read the impact report, on a phone and a
desktop; axe-core checks every page at both widths, and nothing scrolls sideways."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from yachay.accounts.models import User
from yachay.core.tests.browser import assert_accessible_at_widths
from yachay.impact.tests.test_report_pages import _fill_answers
from yachay.intake.tests.test_browser import (  # noqa: F401  (fixtures)
    DESKTOP,
    PHONE,
    SHOTS,
    OpenSession,
    browser,
    no_sideways_scroll,
    open_session,
)
from yachay.selection.models import SelectionRun

pytestmark = pytest.mark.browser


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("load")
    no_sideways_scroll(page)
    assert_accessible_at_widths(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_staff_read_the_impact_report_on_a_phone_and_a_desktop(
    open_session: OpenSession,  # noqa: F811
    users: dict[str, User],
    lottery_run: SelectionRun,
    settings: Any,
) -> None:
    settings.YACHAY_SMALL_CELL_K = 5
    _fill_answers(lottery_run)
    for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
        for role in ("admin", "coordinator"):
            page = open_session(**options).page
            page.goto("/informes/impacto/")
            assert urlsplit(page.url).path == "/personal/entrar/"
            page.get_by_label("Usuario o correo").fill(users[role].username)
            page.get_by_label("Contraseña").fill("x-Secret-9")
            page.get_by_role("button", name="Entrar").click()
            assert urlsplit(page.url).path == "/informes/impacto/"
            shot(page, f"{size}-{role}-impact-runs")
            page.get_by_role("link", name=lottery_run.call.title).click()
            assert "Qué pueden decir estas cifras y qué no" in page.content()
            assert "Efecto de ser admitido" in page.content()
            download = page.get_by_role("link", name="Descargar la tabla para evaluadores (CSV)")
            assert download.count() == (1 if role == "admin" else 0)
            shot(page, f"{size}-{role}-impact-report")
