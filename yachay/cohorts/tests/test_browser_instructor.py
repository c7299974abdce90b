"""The instructor's main task in a real browser: from their cohorts to the session under way,
show the code on the projector (it changes by itself, big enough for the back of the room),
come back and mark a learner by hand.

Screenshots of the cohort, session and projector pages at 390 and 1280 px land in
``screenshots/`` (``instructor-*.png``).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page

from yachay.accounts.models import User
from yachay.cohorts import checkin
from yachay.cohorts.models import Attendance, Session
from yachay.cohorts.tests.conftest import Live
from yachay.cohorts.tests.test_browser_staff import sign_in
from yachay.core.tests.browser import assert_accessible_at_widths
from yachay.intake.tests.test_browser import (  # noqa: F401  (fixtures)
    DESKTOP,
    PHONE,
    SHOTS,
    OpenSession,
    browser,
    open_session,
)

pytestmark = pytest.mark.browser

PASSWORD = "x-Secret-9"  # the `users` fixture's
ROTATION = 4  # seconds: a short code period, so the test sees the code change


def signed_in_with_password(
    open_session: OpenSession,  # noqa: F811
    user: User,
    **options: Any,
) -> Page:
    """Signs in as a person does: the staff sign-in page, the username and the password."""
    page = open_session(**options).page
    page.goto("/personal/entrar/")
    sign_in(page, user.username, PASSWORD)
    page.wait_for_url("**/personal/")
    return page


def shot(page: Page, name: str, *, axe: bool = True) -> None:
    """A screenshot, once axe-core found nothing wrong on the page at a phone's and a
    desktop's width (``axe=False``: the same page already checked, in another state)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    if axe:
        assert_accessible_at_widths(page)
    page.screenshot(path=str(SHOTS / f"instructor-{name}.png"), full_page=True)


def qr_share(page: Page) -> float:
    """The QR code's rendered side as a share of the screen's shorter side."""
    return float(
        page.evaluate(
            """() => {
                const qr = document.querySelector('#projector [data-qr] svg');
                const box = qr.getBoundingClientRect();
                return Math.min(box.width, box.height) / Math.min(innerWidth, innerHeight);
            }"""
        )
    )


def shown_code(page: Page) -> str:
    return re.sub(r"\D", "", page.locator("[data-code]").inner_text())


@pytest.mark.parametrize(("size", "options"), [("1280", DESKTOP), ("390", PHONE)])
def test_the_instructor_shows_the_code_then_marks_a_learner_by_hand(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    users: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
    size: str,
    options: dict[str, Any],
) -> None:
    monkeypatch.setattr(checkin, "PERIOD", ROTATION)  # the live server runs in this process
    for week in range(1, 6):  # a cohort of six weekly sessions, the first under way
        Session.objects.create(
            cohort=live.cohort,
            topic=f"Semana {week + 1}",
            starts_at=live.session.starts_at + dt.timedelta(weeks=week),
            ends_at=live.session.ends_at + dt.timedelta(weeks=week),
        )
    page = signed_in_with_password(open_session, users["instructor"], **options)

    # Their cohorts: the one with a session under way says so, with the big button.
    page.goto("/cohortes/")
    assert page.locator(".live").count() == 1
    assert_accessible_at_widths(page)
    page.get_by_role("link", name=live.cohort.name).click()
    page.wait_for_url(f"**/cohortes/{live.cohort.pk}/")
    box = page.locator("section.live")
    assert live.session.topic in box.inner_text()
    shot(page, f"cohort-{size}")

    # The attendance grid scrolls by keyboard; the names stay in view.
    region = page.get_by_role("region", name="Participantes y asistencia")
    region.focus()
    if size == "390":
        name_before = page.locator("tbody th[scope=row]").first.bounding_box()
        for _ in range(6):
            page.keyboard.press("ArrowRight")
        # Keyboard scrolling is animated: wait for it to move.
        page.wait_for_function(
            "() => document.querySelector('.region').scrollLeft > 0", timeout=3000
        )
        name_after = page.locator("tbody th[scope=row]").first.bounding_box()
        assert name_before and name_after and abs(name_after["x"] - name_before["x"]) < 1

    # Show the code: the projector page.
    box.get_by_role("link", name="Mostrar el código").click()
    page.wait_for_url(f"**/sesiones/{live.session.pk}/codigo/")
    assert page.locator("meta[http-equiv]").count() == 0
    first = shown_code(page)
    assert len(first) == 6
    assert qr_share(page) >= 0.6
    shot(page, f"projector-{size}")
    page.evaluate("window.stillTheSamePage = true")
    page.wait_for_function(
        "old => document.querySelector('[data-code]').textContent.replace(/\\D/g, '') !== old",
        arg=first,
        timeout=(2 * ROTATION + 3) * 1000,
    )
    assert page.evaluate("window.stillTheSamePage === true")  # changed without a reload
    second = shown_code(page)
    assert len(second) == 6 and second != first

    # Full screen: the QR code takes most of the screen's shorter side.
    page.get_by_role("button", name="Pantalla completa").click()
    page.wait_for_function("document.fullscreenElement && document.fullscreenElement.id")
    assert qr_share(page) >= 0.6
    shot(page, f"projector-fullscreen-{size}", axe=False)  # resizing would leave full screen
    page.keyboard.press("Escape")
    page.evaluate("document.fullscreenElement && document.exitFullscreen()")
    page.wait_for_function("!document.fullscreenElement")

    # Back to the cohort, then the session's roster: mark Rosa Peña late.
    page.go_back()
    page.wait_for_url(f"**/cohortes/{live.cohort.pk}/")
    page.locator("section.live").get_by_role("link", name="Marcar la asistencia a mano").click()
    page.wait_for_url(f"**/cohortes/sesiones/{live.session.pk}/")
    rosa = live.enrollments[1]
    page.get_by_label("Peña, Rosa").select_option("late")
    page.get_by_role("button", name="Guardar asistencia").click()
    page.wait_for_url(f"**/cohortes/sesiones/{live.session.pk}/")
    assert "1 marca guardada" in page.locator("[role=status]").inner_text()
    attendance = Attendance.objects.get()
    assert (attendance.enrollment, attendance.status, attendance.method) == (
        rosa, "late", "manual"
    )  # fmt: skip
    assert attendance.recorded_by == users["instructor"]
    shot(page, f"session-{size}")


def test_without_javascript_the_projector_shows_the_code_and_a_refresh_link(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    users: dict[str, User],
) -> None:
    page = signed_in_with_password(
        open_session, users["instructor"], java_script_enabled=False, **DESKTOP
    )
    page.goto(f"/cohortes/sesiones/{live.session.pk}/codigo/")
    code = shown_code(page)
    now = checkin.period_of(time.time())
    secret = live.session.checkin_secret
    assert code in (checkin.code_for(secret, now), checkin.code_for(secret, now - 1))
    assert re.search(r"Nuevo código a las \d\d:\d\d:\d\d", page.locator("main").inner_text())
    assert not page.get_by_role("button", name="Pantalla completa").is_visible()
    page.get_by_role("link", name="Actualizar el código").click()
    page.wait_for_url(f"**/sesiones/{live.session.pk}/codigo/")
    assert len(shown_code(page)) == 6
    shot(page, "projector-no-javascript-1280")
