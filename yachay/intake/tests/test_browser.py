"""A person applies from a phone: Playwright driving Debian's Chromium (/usr/bin/chromium).

Run with ``pytest -m browser`` (``make test-browser``). Playwright never downloads a
browser here: the tests launch the system Chromium, and refuse every request that
leaves the test server, so a page that needs another host fails loudly.

Fields are found by their names, not their labels: the labels are translated.
Screenshots of every public page, on a phone and on a desktop, land in
``screenshots/`` (gitignored; ``YACHAY_SCREENSHOTS`` moves them) for a person to look at.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from pytest_django.live_server_helper import LiveServer

from yachay.accounts.models import User
from yachay.core.tests.browser import (
    assert_accessible,
    assert_accessible_at_widths,
    assert_no_policy_violations,
    harness_style,
    watch_policy_violations,
)
from yachay.intake.models import Application
from yachay.programs.models import Call, Program

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("YACHAY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
SHOTS = Path(os.environ.get("YACHAY_SCREENSHOTS", Path(settings.BASE_DIR) / "screenshots"))
REFERENCE = re.compile(r"^YCH-[0-9A-Z]{6}$")
TIMEOUT_MS = 15_000


# Fixtures ------------------------------------------------------------------
_RUNNING: list[Browser] = []


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Other test modules import this fixture, and pytest makes each import a fixture of its
    # own; Playwright's sync API cannot start twice in one thread, so they share the first.
    if _RUNNING:
        yield _RUNNING[0]
        return
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"No Chromium at {CHROMIUM}: install Debian's (apt-get install chromium) "
            "or point YACHAY_CHROMIUM at one. Browser tests never download a browser."
        )
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as pw:
        # Playwright's sync API keeps an event loop in this thread while it runs; Django
        # then takes the tests' own ORM calls (fixtures, assertions, database set-up)
        # for async code. They are not: the live server answers in its own thread.
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        _RUNNING.append(chromium)
        yield chromium
        _RUNNING.clear()
        chromium.close()


class Session:
    """One browser context on the live server, refusing requests to any other host."""

    def __init__(self, browser: Browser, base_url: str, **options: Any) -> None:
        self.base_url = base_url
        self.context: BrowserContext = browser.new_context(
            base_url=base_url, locale="es-PE", **options
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.external: list[str] = []
        # The pages run under their real CSP; every violation fails the test at teardown.
        self.violations = watch_policy_violations(self.context)
        self.reports: list[str] = []  # the reports the server received (open_session's)
        self.context.route("**/*", self._only_ours)
        self.page: Page = self.context.new_page()

    def _only_ours(self, route: Route) -> None:
        url = route.request.url
        if url.startswith((self.base_url, "data:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def settle(self) -> None:
        """Let a last violation event (or report) on its way arrive before the test ends."""
        with contextlib.suppress(PlaywrightError):
            self.page.wait_for_timeout(100)

    def close(self) -> None:
        self.context.close()


OpenSession = Callable[..., Session]


@pytest.fixture
def open_session(browser: Browser, live_server: LiveServer, settings: Any) -> Iterator[OpenSession]:
    # The live server serves static files from the apps' folders, by their plain names. After
    # a `make run` (collectstatic) the manifest would name hashed files it cannot find, and
    # the admin would lose its stylesheets: the accessibility checks need them.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    sessions: list[Session] = []
    reports = CspReports()  # what browsers posted to the live server's /csp-report/

    def make(**options: Any) -> Session:
        session = Session(browser, live_server.url, **options)
        session.reports = reports.lines
        sessions.append(session)
        return session

    logging.getLogger("yachay.csp").addHandler(reports)
    try:
        yield make
        for session in sessions:
            session.settle()
            session.close()
    finally:
        logging.getLogger("yachay.csp").removeHandler(reports)
    for session in sessions:
        assert session.external == [], f"requests to other hosts: {session.external}"
    assert_no_policy_violations(
        [v for s in sessions for v in s.violations] + [f"report: {m}" for m in reports.lines]
    )


class CspReports(logging.Handler):
    """What the live server's /csp-report/ received during the test (the browser's own reports)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        v = getattr(record, "csp", {})
        if not harness_style(v.get("directive"), v.get("source")):
            self.lines.append(record.getMessage())


@pytest.fixture
def phone(open_session: OpenSession) -> Page:
    return open_session(**PHONE).page


@pytest.fixture
def closed_call(program: Program) -> Call:
    now = timezone.now()
    return Call.objects.create(
        program=program,
        title="Convocatoria 2026-II",
        slug="2026-ii",
        opens_at=now - dt.timedelta(days=60),
        closes_at=now - dt.timedelta(days=30),
        seats=500,
        consent_version="2026-1",
        consent_text="Autorizo el tratamiento de mis datos personales (Ley 29733).",
    )


# What a person does ----------------------------------------------------------
def call_url(call: Call) -> str:
    return f"/convocatorias/{call.slug}/"


def apply_url(call: Call) -> str:
    return f"/convocatorias/{call.slug}/postular/"


def status_url(call: Call) -> str:
    return f"/convocatorias/{call.slug}/estado/"


def type_in(page: Page, name: str, text: str) -> None:
    """Tap the field and type, key by key, as a person does."""
    field = page.locator(f"[name={name}]")
    field.click()
    field.press_sequentially(text)


def fill_about_and_contact(page: Page, *, dni: str = "45678912") -> None:
    type_in(page, "dni", dni)
    type_in(page, "given_names", "Illari Ñusta")
    type_in(page, "paternal_surname", "Quispe")
    type_in(page, "maternal_surname", "Mamani")
    # Day and year typed on the number pad; the month picked by its name.
    type_in(page, "birth_date_day", "4")
    page.locator("[name=birth_date_month]").select_option(label="mayo")
    type_in(page, "birth_date_year", "1990")
    page.locator("[name=gender][value=female]").check()
    type_in(page, "email", "illari.quispe@example.pe")
    type_in(page, "phone", "987 654 321")


def fill_business_and_course(page: Page, *, ruc: str = "20100070970") -> None:
    page.locator("[name=segment][value=sme_owner]").check()
    type_in(page, "ruc", ruc)
    type_in(page, "business_name", "Bodega Doña Ñusta")
    page.locator("[name=sector]").select_option("commerce")
    page.locator("[name=woman_led][value=true]").check()
    page.locator("[name=digital_level][value='3']").check()
    page.locator("[name=modality][value=virtual]").check()
    page.locator("[name=schedules][value=evening]").check()
    page.locator("[name=schedules][value=weekend]").check()
    type_in(page, "accessibility_needs", "Letra grande, por favor.")
    page.locator("[name=consent]").check()


def choose_place_with_script(page: Page) -> None:
    """Department → province → district; the page's script fetches each list."""
    with page.expect_response(re.compile(r"/lugares/08\.json$")):
        page.locator("[name=department]").select_option("08")  # Cusco
    # select_option waits until the option the script adds is there.
    with page.expect_response(re.compile(r"/lugares/0801\.json$")):
        page.locator("[name=province]").select_option("0801")
    page.locator("[name=district]").select_option("080101")


def fill_the_form(page: Page, **kw: str) -> None:
    fill_about_and_contact(page, **{k: v for k, v in kw.items() if k == "dni"})
    choose_place_with_script(page)
    fill_business_and_course(page, **{k: v for k, v in kw.items() if k == "ruc"})


def send(page: Page) -> None:
    page.locator("#send").click()
    page.wait_for_load_state()


def reference_shown(page: Page) -> str:
    """The reference a person gets: the "sent" page names the address it went to (never
    the reference itself, which would tell anyone who has applied), and the email has it."""
    page.wait_for_url(re.compile(r"/postular/enviada/[0-9a-f-]{36}/$"))
    sent = page.locator("#sent")
    assert sent.get_attribute("data-sent") == "yes"
    assert "illari.quispe@example.pe" in sent.inner_text()
    assert mail.outbox, "no confirmation email"
    found = re.search(r"YCH-[0-9A-Z]{6}", str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    assert found.group(0) not in page.locator("main").inner_text()
    return found.group(0)


def no_sideways_scroll(page: Page) -> None:
    # Measured once the page and its stylesheets have loaded: right after a click that
    # navigates, the new page may not be styled yet (its wide tables not yet in their
    # scrolling boxes), and would measure wider than it is.
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    size = page.viewport_size
    assert size is not None
    viewport = size["width"]
    assert width <= viewport, f"{page.url} is {width}px wide on a {viewport}px screen"


def unlabelled_fields(page: Page) -> list[str]:
    """Visible form controls a screen reader could not name."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
              .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
              .filter(el => {
                const labelled = [...(el.labels || [])].some(l => l.textContent.trim());
                const fs = el.closest('fieldset');
                const legend = fs && fs.querySelector('legend');
                return !(labelled || (legend && legend.textContent.trim()));
              })
              .map(el => el.name || el.id || el.outerHTML)"""
        )
    )


# The tests -----------------------------------------------------------------
def test_a_person_applies_from_a_phone_and_gets_the_reference_code(
    phone: Page, call: Call, open_session: OpenSession
) -> None:
    phone.goto(apply_url(call))
    assert phone.locator("html").get_attribute("lang") == "es"
    # With JavaScript the "update lists" button is not needed, so not shown.
    assert phone.locator("button[name=update_places]").is_hidden()
    fill_the_form(phone)
    no_sideways_scroll(phone)
    assert_accessible_at_widths(phone)
    send(phone)

    reference = reference_shown(phone)
    assert REFERENCE.match(reference), reference
    assert_accessible_at_widths(phone)
    app = Application.objects.get()
    assert app.reference == reference
    assert (app.dni, app.ubigeo, app.phone) == ("45678912", "080101", "+51987654321")
    assert app.given_names == "Illari Ñusta"
    assert sorted(app.schedules) == ["evening", "weekend"]
    # The "sent" page is not a link for anyone else: another browser sees a neutral page.
    other = open_session(**PHONE).page
    other.goto(phone.url)
    assert other.locator("#sent").get_attribute("data-sent") == "no"
    assert "illari.quispe@example.pe" not in other.locator("main").inner_text()
    assert_accessible_at_widths(other)


def test_without_javascript_the_update_button_fills_the_place_lists(
    open_session: OpenSession, call: Call
) -> None:
    page = open_session(java_script_enabled=False, **PHONE).page
    page.goto(apply_url(call))
    update = page.locator("button[name=update_places]")
    assert update.is_visible()
    fill_about_and_contact(page)
    fill_business_and_course(page)

    page.locator("[name=department]").select_option("08")
    update.click()
    page.wait_for_load_state()
    page.locator("[name=province]").select_option("0801")
    update.click()
    page.wait_for_load_state()
    page.locator("[name=district]").select_option("080101")
    # Everything typed before the two round trips is still there.
    assert page.locator("[name=given_names]").input_value() == "Illari Ñusta"
    assert page.locator("[name=birth_date_year]").input_value() == "1990"
    assert page.locator("[name=birth_date_month]").input_value() == "5"
    assert page.locator("[name=ruc]").input_value() == "20100070970"
    assert page.locator("[name=gender][value=female]").is_checked()
    assert page.locator("[name=schedules][value=weekend]").is_checked()
    assert page.locator("[name=consent]").is_checked()
    assert Application.objects.count() == 0

    send(page)
    assert REFERENCE.match(reference_shown(page))
    assert Application.objects.get().ubigeo == "080101"


def test_bad_input_gets_messages_next_to_the_fields_and_keeps_what_was_typed(
    phone: Page, call: Call
) -> None:
    phone.goto(apply_url(call))
    fill_the_form(phone, dni="4567891", ruc="20100070971")  # 7 digits; wrong check digit
    send(phone)

    assert phone.locator("#f-dni .err").is_visible()
    assert phone.locator("#f-ruc .err").is_visible()
    assert phone.locator("#f-dni[class~=bad], #f-dni.bad").count() == 1
    assert phone.locator("#errors").is_visible()
    # The summary takes the focus, so a screen reader reads it first.
    assert phone.evaluate("document.activeElement.id") == "errors"
    # Only the two bad fields are marked.
    marked = phone.locator(".f.bad").evaluate_all("els => els.map(e => e.id)")
    assert sorted(marked) == ["f-dni", "f-ruc"]
    # What the person typed is kept, the bad values included.
    kept = {
        name: phone.locator(f"[name={name}]").input_value()
        for name in ("dni", "ruc", "given_names", "email", "phone", "district")
    }
    assert kept == {
        "dni": "4567891",
        "ruc": "20100070971",
        "given_names": "Illari Ñusta",
        "email": "illari.quispe@example.pe",
        "phone": "987 654 321",
        "district": "080101",
    }
    assert phone.locator("[name=schedules][value=evening]").is_checked()
    assert Application.objects.count() == 0
    no_sideways_scroll(phone)
    assert_accessible_at_widths(phone)
    # A screen reader hears the message with the field; the summary links to both fields.
    for name in ("dni", "ruc"):
        described = str(phone.locator(f"[name={name}]").get_attribute("aria-describedby"))
        message = phone.locator(f"#f-{name} .err")
        assert message.get_attribute("id") in described.split()
        assert phone.locator(f"[name={name}]").get_attribute("aria-invalid") == "true"
    links = phone.locator("#errors a").evaluate_all("els => els.map(e => e.hash)")
    assert links == ["#f-dni", "#f-ruc"]

    # Fixing the two fields is enough.
    phone.locator("[name=dni]").fill("45678912")
    phone.locator("[name=ruc]").fill("20100070970")
    send(phone)
    assert REFERENCE.match(reference_shown(phone))
    assert Application.objects.count() == 1


def test_enter_on_the_phone_keyboard_sends_the_application(phone: Page, call: Call) -> None:
    # Enter ("Go") presses the form's first submit button: it must send, not update lists.
    phone.goto(apply_url(call))
    fill_the_form(phone)
    phone.locator("[name=phone]").press("Enter")
    assert REFERENCE.match(reference_shown(phone))
    assert Application.objects.count() == 1


def test_when_the_place_lists_cannot_load_the_update_button_comes_back(
    phone: Page, call: Call
) -> None:
    phone.route(re.compile(r"/lugares/"), lambda route: route.abort())  # a dropped connection
    phone.goto(apply_url(call))
    update = phone.locator("button[name=update_places]")
    assert update.is_hidden()
    phone.locator("[name=department]").select_option("08")
    update.wait_for(state="visible")
    update.click()
    phone.wait_for_load_state()
    assert phone.locator("[name=province] option[value='0801']").count() == 1
    assert phone.locator("[name=department]").input_value() == "08"


def test_a_double_click_on_send_makes_one_application(phone: Page, call: Call) -> None:
    phone.goto(apply_url(call))
    fill_the_form(phone)
    phone.locator("#send").dblclick()
    reference = reference_shown(phone)
    assert Application.objects.count() == 1
    assert Application.objects.get().reference == reference


def test_the_status_page_finds_the_application_by_dni_and_reference(
    phone: Page, call: Call
) -> None:
    phone.goto(apply_url(call))
    fill_the_form(phone)
    send(phone)
    reference = reference_shown(phone)

    phone.goto(status_url(call))
    type_in(phone, "dni", "45678912")
    type_in(phone, "reference", reference.lower())  # typed in small letters
    phone.locator("form.box button[type=submit]").click()
    found = phone.locator("[role=status]")
    assert reference in found.inner_text()
    assert_accessible_at_widths(phone)

    phone.locator("[name=reference]").fill("YCH-222222")
    phone.locator("form.box button[type=submit]").click()
    assert phone.locator("[role=alert]").is_visible()
    assert reference not in phone.locator("main").inner_text()
    assert_accessible_at_widths(phone)
    # The DNI is kept for the next try, and never put in the address.
    assert phone.locator("[name=dni]").input_value() == "45678912"
    assert "45678912" not in phone.url


def test_every_field_has_a_label(phone: Page, call: Call) -> None:
    phone.goto(apply_url(call))
    assert unlabelled_fields(phone) == []
    fill_the_form(phone, dni="1")
    send(phone)
    assert phone.locator("#errors").is_visible()
    assert unlabelled_fields(phone) == []


def test_the_form_works_with_the_keyboard(open_session: OpenSession, call: Call) -> None:
    page = open_session(**DESKTOP).page
    page.goto(apply_url(call))
    page.locator("body").focus()
    seen: list[str] = []
    for _ in range(120):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e.id || e.name || e.tagName) + ':' + getComputedStyle(e).outlineStyle; }"
        )
        seen.append(focused)
        if focused.startswith("send:"):
            break
    assert seen[-1].startswith("send:"), f"Tab never reached the send button: {seen}"
    # Whatever has the focus shows it.
    assert [s for s in seen if s.endswith(":none")] == []
    # The department list, and with it the dependent ones, works from the keyboard too.
    page.locator("[name=department]").focus()
    with page.expect_response(re.compile(r"/lugares/\d{2}\.json$")):
        page.keyboard.press("ArrowDown")
    assert page.locator("[name=department]").input_value() != ""
    assert page.locator("[name=province] option").count() > 1


def test_the_language_switch_turns_the_page_into_english(phone: Page, call: Call) -> None:
    phone.goto(apply_url(call))
    assert phone.locator("html").get_attribute("lang") == "es"
    phone.locator(".lang button[value=en]").click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.url.endswith(apply_url(call))  # back on the same page
    assert phone.locator(".lang button[value=en]").get_attribute("aria-current") == "true"
    assert phone.locator("#send").inner_text() == "Send my application"
    assert_accessible_at_widths(phone)  # the English page, and its lang attributes
    phone.locator(".lang button[value=es]").click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "es"


def test_a_closed_call_says_so_and_offers_no_form(phone: Page, closed_call: Call) -> None:
    phone.goto(apply_url(closed_call))
    assert phone.locator("[role=status]").is_visible()
    assert phone.locator("form#apply").count() == 0
    assert_accessible_at_widths(phone)


def test_screenshots_of_every_page_on_a_phone_and_a_desktop(
    open_session: OpenSession, call: Call, closed_call: Call, users: dict[str, User]
) -> None:
    """Pictures for a person to look at; and on each page, nothing wider than the screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_session(**options).page

        def shot(name: str, page: Page = page, size: str = size) -> None:
            no_sideways_scroll(page)
            assert_accessible(page)  # at this size; the loop runs the phone and the desktop
            page.screenshot(path=str(SHOTS / f"{size}-{name}.png"), full_page=True)

        page.goto("/")
        shot("home")
        page.locator(f"a[href='{call_url(call)}']").first.click()
        page.wait_for_url(re.compile(re.escape(call_url(call)) + "$"))
        shot("call")
        page.locator("a.btn", has_text="Empezar").first.click()
        page.wait_for_url(re.compile(re.escape(apply_url(call)) + "$"))
        shot("apply")
        dni = "45678912" if size == "phone" else "41234567"
        fill_the_form(page, dni=dni[:7], ruc="20100070971")
        send(page)
        shot("apply-errors")
        page.locator("[name=dni]").fill(dni)
        page.locator("[name=ruc]").fill("20100070970")
        send(page)
        reference = reference_shown(page)
        shot("apply-done")
        page.goto(status_url(call))
        page.locator("[name=dni]").fill(dni)
        page.locator("[name=reference]").fill(reference)
        page.locator("form.box button[type=submit]").click()
        shot("status-found")
        page.locator("[name=reference]").fill("YCH-222222")
        page.locator("form.box button[type=submit]").click()
        shot("status-not-found")
        page.goto(apply_url(closed_call))
        shot("closed")
        page.goto(call_url(closed_call))
        shot("call-closed")
        missing = page.goto("/convocatorias/no-existe/postular/")
        assert missing is not None and missing.status == 404
        shot("404")
        page.goto("/admin/login/?next=/admin/intake/application/")
        shot("admin-login")
        page.locator("[name=username]").fill("ana.admin")
        page.locator("[name=password]").fill("x-Secret-9")
        page.locator("[type=submit]").click()
        page.wait_for_url(re.compile(r"/admin/intake/application/$"))
        assert reference in page.locator("#result_list").inner_text()
        # The admin is not a learner page: a wide table may scroll sideways there.
        assert_accessible(page)
        page.screenshot(path=str(SHOTS / f"{size}-admin-applications.png"), full_page=True)
    assert Application.objects.count() == 2

    page = open_session(java_script_enabled=False, **PHONE).page
    page.goto(apply_url(call))
    page.locator("[name=department]").select_option("08")
    page.locator("button[name=update_places]").click()
    page.wait_for_load_state()
    no_sideways_scroll(page)
    assert_accessible_at_widths(page)  # the "update lists" button shown, without JavaScript
    page.locator("#f-department").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "phone-apply-without-javascript.png"))


def test_a_person_goes_from_the_home_page_through_the_call_page_to_the_form(
    phone: Page, call: Call
) -> None:
    phone.goto("/")
    phone.locator(f"a[href='{call_url(call)}']").first.click()
    phone.wait_for_url(re.compile(re.escape(call_url(call)) + "$"))
    main = phone.locator("main").inner_text()
    assert "1\u00a0000 vacantes" in main
    assert "hora de Lima" in main and "mañana, 9:00–12:00" in main
    no_sideways_scroll(phone)
    assert_accessible_at_widths(phone)
    phone.locator("a.btn", has_text="Empezar").last.click()
    phone.wait_for_url(re.compile(re.escape(apply_url(call)) + "$"))
    assert phone.locator("form#apply").is_visible()


def test_the_phone_shows_a_number_pad_for_numbers_and_fills_personal_fields(
    phone: Page, call: Call
) -> None:
    phone.goto(apply_url(call))

    def attrs(name: str) -> tuple[str | None, str | None, str | None]:
        field = phone.locator(f"[name={name}]")
        return (
            field.get_attribute("type"),
            field.get_attribute("inputmode"),
            field.get_attribute("autocomplete"),
        )

    assert attrs("dni")[1] == "numeric" and attrs("ruc")[1] == "numeric"
    assert attrs("phone") == ("tel", "tel", "tel-national")
    assert attrs("email") == ("email", None, "email")
    assert attrs("given_names")[2] == "given-name"
    assert attrs("paternal_surname")[2] == "family-name"
    assert attrs("birth_date_day") == ("text", "numeric", "bday-day")
    assert attrs("birth_date_year") == ("text", "numeric", "bday-year")
    assert phone.locator("[name=birth_date_month]").get_attribute("autocomplete") == "bday-month"
    assert attrs("business_name")[2] == "organization"
    # The month list speaks in month names, in the page's language.
    months = phone.locator("[name=birth_date_month] option").all_inner_texts()
    assert months[1:4] == ["enero", "febrero", "marzo"]
    slots = phone.locator("#f-schedules label").all_inner_texts()
    assert slots[0] == "mañana, 9:00–12:00"


def test_an_impossible_birth_date_is_named_and_kept_and_rows_stay_aligned(
    open_session: OpenSession, call: Call
) -> None:
    page = open_session(**DESKTOP).page
    page.goto(apply_url(call))
    fill_the_form(page, dni="4567891")
    page.locator("[name=birth_date_day]").fill("31")
    page.locator("[name=birth_date_month]").select_option("2")
    send(page)
    message = "No existe el 31 de febrero de 1990: revisa el día y el mes."
    assert page.locator("#f-birth_date .err").inner_text() == message
    # The summary lists the messages themselves, each linked to its field.
    summary = page.locator("#errors li").all_inner_texts()
    assert summary == [
        "DNI: El DNI tiene 8 dígitos (escribiste 7).",
        f"Fecha de nacimiento: {message}",
    ]
    assert page.locator("[name=birth_date_day]").input_value() == "31"
    assert page.locator("[name=birth_date_month]").input_value() == "2"
    assert page.locator("[name=birth_date_year]").input_value() == "1990"
    # DNI has a message, its neighbour in the row none: their boxes still line up.
    top = page.evaluate(
        "ns => ns.map(n => document.querySelector(`[name=${n}]`).getBoundingClientRect().top)",
        ["dni", "dni_check"],
    )
    assert abs(top[0] - top[1]) < 1, top
    assert_accessible_at_widths(page)
    page.locator("#errors a[href='#f-birth_date']").click()
    assert page.url.endswith("#f-birth_date")
