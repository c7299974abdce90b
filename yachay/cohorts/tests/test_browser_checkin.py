"""Check-in in a real browser: the instructor's projector page, a learner's phone.

Screenshots of the cohort pages land in ``screenshots/`` like the intake ones.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page

from yachay.accounts.models import User
from yachay.cohorts.models import Attendance
from yachay.cohorts.tests.conftest import Live
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

pytestmark = pytest.mark.browser


def signed_in(
    open_session: OpenSession,  # noqa: F811
    user: User,
    **options: object,
) -> Page:
    client = Client()
    client.force_login(user)
    session = open_session(**options)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    session.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": session.base_url}]
    )
    return session.page


def shot(page: Page, name: str, *, learner_page: bool = True) -> None:
    """A screenshot for a person to look at, once axe-core found nothing wrong on the page
    at a phone's and a desktop's width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    if learner_page:
        no_sideways_scroll(page)
    assert_accessible_at_widths(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_learner_checks_in_with_the_code_on_the_projector(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    users: dict[str, User],
) -> None:
    projector = signed_in(open_session, users["instructor"], **DESKTOP)
    projector.goto(f"/cohortes/sesiones/{live.session.pk}/codigo/")
    shot(projector, "desktop-session-code", learner_page=False)
    code = re.sub(r"\D", "", projector.locator("p[aria-live]").inner_text())
    assert len(code) == 6

    phone = signed_in(open_session, live.learners[0], **PHONE)
    phone.goto("/mi-cuenta/")
    shot(phone, "phone-my-account-cohort")
    phone.locator(f"a[href='/asistencia/{live.session.pk}/']").click()
    phone.locator("[name=code]").fill("000000" if code != "000000" else "111111")
    phone.locator("main form button").click()
    assert phone.locator("[role=alert]").is_visible()
    shot(phone, "phone-checkin-wrong-code")
    phone.locator("[name=code]").fill(code[:3] + " " + code[3:])
    phone.locator("main form button").click()
    assert phone.locator(".ok[role=status]").is_visible()
    shot(phone, "phone-checkin-done")
    assert Attendance.objects.get().enrollment.user == live.learners[0]

    for size, options in (("desktop", DESKTOP), ("phone", PHONE)):
        staff = signed_in(open_session, users["instructor"], **options)
        staff.goto(f"/cohortes/sesiones/{live.session.pk}/")
        assert "Yupanqui" in staff.content()
        shot(staff, f"{size}-session-roster")
        staff.goto(f"/cohortes/{live.cohort.pk}/")
        shot(staff, f"{size}-cohort")
