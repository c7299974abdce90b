"""Accessibility, measured: axe-core finds no WCAG 2.0/2.1/2.2 A or AA violation on any page
of the site, as each role sees it, at a phone's width (390 px) and a desktop's (1280 px).

Every public page (home, the form with its errors, the status page with a decision, the
offer, the sign-in request, a 404), every learner page (Mi aprendizaje, the course outline,
a lesson, a quiz and its result, check-in, Mi cuenta), every staff page as an instructor,
a coordinator and a program admin (cohorts, a cohort, a session, the projector, the
progress table, Mi cuenta), and the Django admin screens the project customises (the
call's edit screen, the applications list, the selection runs and decisions, cohort
planning). The other browser tests run the same check on the pages they visit.

This module lives in learning, the highest app it needs (the demo course).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from yachay.accounts.models import Role, User
from yachay.accounts.services import user_create
from yachay.cohorts.models import Enrollment
from yachay.cohorts.tests.conftest import Live
from yachay.cohorts.tests.test_browser_checkin import signed_in
from yachay.cohorts.tests.test_browser_staff import sign_in
from yachay.core.actors import SYSTEM
from yachay.core.tests.browser import assert_accessible, assert_accessible_at_widths
from yachay.intake.admin import ApplicationAdmin
from yachay.intake.tests.test_browser import (  # noqa: F401  (fixtures)
    DESKTOP,
    PHONE,
    SHOTS,
    OpenSession,
    apply_url,
    browser,
    open_session,
    status_url,
)
from yachay.learning.models import Course
from yachay.learning.services import quiz_submit
from yachay.learning.tests.test_browser_learning import (  # noqa: F401  (fixture)
    QUIZ,
    SLUG,
    WRONG,
    answer,
    demo,
)
from yachay.programs.models import Call, Target
from yachay.selection.models import Decision, Offer, SelectionPolicy, SelectionRun
from yachay.selection.services import (
    offer_decline,
    offer_token,
    offers_expire,
    selection_dry_run,
    selection_publish,
)
from yachay.selection.tests.test_selection_runs import PEOPLE, submit

pytestmark = pytest.mark.browser


@pytest.fixture
def selected(call: Call, django_capture_on_commit_callbacks: Any) -> Call:
    """A second, closed call whose selection is published: decisions and offers exist, and a
    later dry run waits on the runs list."""
    now = timezone.now()
    closed = Call.objects.create(
        program=call.program, title="Convocatoria 2026-II", slug="2026-ii",
        opens_at=now - dt.timedelta(days=60), closes_at=now + dt.timedelta(days=1),
        seats=6, consent_version=call.consent_version, consent_text=call.consent_text,
    )  # fmt: skip
    for i, person in enumerate(PEOPLE):
        submit(closed, 100 + i, *person)
    Call.objects.filter(pk=closed.pk).update(closes_at=now - dt.timedelta(minutes=1))
    closed.refresh_from_db()
    SelectionPolicy.objects.create(call=closed, seed="sorteo-2027-01-15", kind="score")
    Target.objects.create(
        program=call.program, kind="min", measure="share", amount=50,
        dimension="gender", value="female",
    )  # fmt: skip
    selection_dry_run(call=closed, actor=SYSTEM)  # an earlier dry run, left as it is
    with django_capture_on_commit_callbacks(execute=True):
        selection_publish(run=selection_dry_run(call=closed, actor=SYSTEM), actor=SYSTEM)
    return closed


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (
        f"{path}: {response and response.status}"
    )


def check(page: Page, name: str | None = None, **known: Any) -> None:
    """No violation at 390 and 1280 px; with a name, a screenshot at each width too."""
    assert_accessible_at_widths(page, **known)
    if name:
        SHOTS.mkdir(parents=True, exist_ok=True)
        size = page.viewport_size
        assert size is not None
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": size["height"]})
            page.screenshot(path=str(SHOTS / f"a11y-{width}-{name}.png"), full_page=True)
        page.set_viewport_size(size)


def test_the_check_fails_naming_each_violation_and_where_it_is(
    open_session: OpenSession,  # noqa: F811
) -> None:
    page = open_session(**PHONE).page
    page.set_content(
        '<!doctype html><html lang="es"><title>Prueba</title><main><h1>Prueba</h1>'
        '<p>DNI <input name="dni"></p><p style="color:#aaa">Texto claro</p></main></html>'
    )
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_accessible(page)
    report = str(failed.value)
    assert "- label (critical): Form elements must have labels" in report
    assert "    at input\n" in report and '<input name="dni">' in report  # selector, HTML
    assert "- color-contrast (serious)" in report and "Texto claro" in report
    assert "at 390×844 px" in report
    # What another change fixes can be left out, by rule or by place.
    assert_accessible(page, disable=["label"], exclude=["p[style]"])
    # A page open with JavaScript off is checked too (as a copy where axe-core can run).
    no_js = open_session(java_script_enabled=False, **PHONE).page
    no_js.set_content(page.content())
    with pytest.raises(pytest.fail.Exception, match=r"- label \(critical\)"):
        assert_accessible(no_js)


def test_every_public_page_has_no_wcag_violation(
    open_session: OpenSession,  # noqa: F811
    call: Call,
    selected: Call,
) -> None:
    page = open_session(**PHONE).page
    for path in ["/", f"/convocatorias/{call.slug}/", "/privacidad/", "/ayuda/", "/accesibilidad/"]:
        visit(page, path)
        check(page)
    visit(page, apply_url(call))
    check(page)
    page.locator("#send").click()  # nothing filled in: every required field says so
    page.wait_for_load_state()
    assert page.locator("#errors").is_visible()
    check(page)

    admitted, declined, expired = Decision.objects.filter(
        application__call=selected, outcome="admitted"
    ).order_by("pk")[:3]
    waiting = Decision.objects.filter(application__call=selected, outcome="waitlisted").first()
    assert waiting is not None
    offer_decline(offer=declined.offer, actor=SYSTEM)
    Offer.objects.filter(pk=expired.offer.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert offers_expire(actor=SYSTEM) == 1
    visit(page, status_url(selected))
    check(page)
    # Admitted with an offer to answer, waiting, declined, expired.
    for decision in (admitted, waiting, declined, expired):
        page.locator("[name=dni]").fill(decision.application.dni)
        page.locator("[name=reference]").fill(decision.application.reference)
        page.locator("form.box button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#decision").is_visible()
        check(page)
    page.locator("[name=reference]").fill("YCH-222222")
    page.locator("form.box button[type=submit]").click()
    page.wait_for_load_state()
    check(page)  # not found

    offer = f"/ofertas/{offer_token(admitted.offer)}/"
    visit(page, offer)
    check(page)
    visit(page, f"{offer}?respuesta=rechazar")  # the confirmation before declining
    check(page)
    visit(page, "/entrar/")
    check(page)
    page.locator("[name=email]").fill("nadie@example.pe")
    page.locator("main form button").click()
    page.wait_for_load_state()
    check(page)  # "if the address is ours, a link is on its way"
    missing = page.goto("/convocatorias/no-existe/postular/")
    assert missing is not None and missing.status == 404
    check(page)
    visit(page, "/admin/login/")
    check(page)


def test_every_learner_page_has_no_wcag_violation(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    demo: Course,  # noqa: F811
) -> None:
    page = signed_in(open_session, live.learners[0], **PHONE)
    for path in [
        "/aprender/",
        f"/aprender/{SLUG}/",
        f"/aprender/{SLUG}/leccion/m1-l1-que-es-la-ia/",
        f"/aprender/{SLUG}/leccion/m3-l2-como-pedirle-bien/",  # a table and code blocks
        QUIZ,
        f"/aprender/{SLUG}/cuestionario/m3-quiz/",  # ordering and number questions
        f"/asistencia/{live.session.pk}/",
        "/mi-cuenta/",
    ]:
        visit(page, path)
        check(page)
    visit(page, QUIZ)
    answer(page, WRONG)
    assert page.url.endswith(f"{QUIZ}resultado/")
    check(page)
    visit(page, f"/aprender/{SLUG}/cuestionario/m3-quiz/")
    page.locator("main form button").click()  # sent empty: messages next to the questions
    page.wait_for_load_state()
    check(page)
    visit(page, f"/asistencia/{live.session.pk}/")
    page.locator("[name=code]").fill("000000")
    page.locator("main form button").click()
    page.wait_for_load_state()
    check(page)  # a wrong code: the message next to the field


def test_the_staff_sign_in_and_password_reset_pages_have_no_wcag_violation(
    open_session: OpenSession,  # noqa: F811
    users: dict[str, User],
) -> None:
    instructor = users["instructor"]
    instructor.email = "ines@example.pe"
    instructor.save()
    page = open_session(**PHONE).page
    visit(page, "/personal/entrar/")
    check(page, "staff-sign-in")
    sign_in(page, instructor.username, "not-the-password")
    expect(page.get_by_role("alert")).to_be_visible()
    check(page, "staff-sign-in-error")  # the message, the username kept
    visit(page, "/personal/contrasena/")
    check(page)
    page.locator("[name=email]").fill("no-es-correo")
    page.locator("main form button").click()
    expect(page.locator(".err").first).to_be_visible()
    check(page)  # an address that is not one
    page.locator("[name=email]").fill(instructor.email)
    page.locator("main form button").click()
    page.wait_for_url("**/personal/contrasena/enviada/")
    check(page)
    link = re.search(r"https?://[^/\s]+(/personal/contrasena/\S+/\S+/)", str(mail.outbox[-1].body))
    assert link
    visit(page, link.group(1))  # redirected to the form for the new password
    assert page.locator("[name=new_password1]").count() == 1
    check(page)
    page.locator("[name=new_password1]").fill("Quinua-2027-x")
    page.locator("[name=new_password2]").fill("otra")
    page.locator("main form button").click()
    expect(page.locator(".err").first).to_be_visible()
    check(page)  # the passwords do not match
    page.locator("[name=new_password1]").fill("Quinua-y-Maiz-2027")
    page.locator("[name=new_password2]").fill("Quinua-y-Maiz-2027")
    page.locator("main form button").click()
    page.wait_for_url("**/personal/contrasena/lista/")
    check(page)
    visit(page, link.group(1))  # the link, spent
    check(page)


@pytest.mark.parametrize("role", ["instructor", "coordinator", "admin"])
def test_every_staff_page_has_no_wcag_violation(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    demo: Course,  # noqa: F811
    users: dict[str, User],
    role: str,
) -> None:
    if role == "instructor":  # three failed attempts: the progress table offers another
        learner = live.learners[0]
        # WRONG, in the shapes of the quiz's question types (q3 a multiple choice).
        wrong = {"q1": "b", "q2": True, "q3": ["d"], "q4": "b", "q5": False, "q6": "b"}
        for _ in range(3):
            quiz_submit(user=learner, course=demo, activity_id="m1-quiz", answers=wrong,
                        actor=SYSTEM)  # fmt: skip
    page = open_session(**DESKTOP).page
    visit(page, "/personal/entrar/")
    sign_in(page, users[role].username)
    assert urlsplit(page.url).path == "/personal/"
    check(page, f"home-{role}")
    pages = [
        "/cohortes/",
        f"/cohortes/{live.cohort.pk}/",
        f"/cohortes/sesiones/{live.session.pk}/",
        f"/cohortes/{live.cohort.pk}/progreso/",
        "/mi-cuenta/",
    ]
    for path in pages:
        visit(page, path)
        check(page)
    if role == "instructor":
        visit(page, f"/cohortes/{live.cohort.pk}/progreso/")
        button = page.locator("table.progress form button")
        assert button.count() == 1  # "Dar otro intento"
        check(page, "progress-another-attempt")
        button.click()
        expect(page.locator("table.progress form button")).to_have_count(0)
        check(page)  # the message that the learner may try again
    if role == "coordinator":  # a cohort of another department: refused
        refused = page.goto(f"/cohortes/{live.other.pk}/")
        assert refused is not None and refused.status == 403
        check(page, "403")
    if role != "coordinator":  # coordinators follow cohorts; they do not take attendance
        visit(page, f"/cohortes/sesiones/{live.session.pk}/codigo/")
        check(page)  # the projector: the code changes without reloading the page


def test_the_admin_screens_we_customise_have_no_wcag_violation(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    selected: Call,
    users: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A short page, so that 16 applications bring the paginator (2,000 do in the demo).
    monkeypatch.setattr(ApplicationAdmin, "list_per_page", 5)
    dry_run = SelectionRun.objects.get(call=selected, state="dry_run")
    published = SelectionRun.objects.get(call=selected, state="published")
    for i in range(3):  # learners waiting for a cohort, for the planning page
        app = submit(live.cohort.call, 300 + i, "female", "080101", "entrepreneur", None)
        user = user_create(username=f"espera{i}", role=Role.LEARNER, actor=SYSTEM)
        Enrollment.objects.create(application=app, user=user)
    application = Decision.objects.filter(application__call=selected).first()
    assert application is not None

    admin = signed_in(open_session, users["admin"], **DESKTOP)
    for path, name in [
        ("/admin/", "admin-index"),
        ("/admin/programs/call/", "admin-calls"),
        (f"/admin/programs/call/{selected.pk}/change/", "admin-call-change"),
        ("/admin/programs/call/add/", None),
        ("/admin/intake/application/", "admin-applications"),
        ("/admin/intake/application/?p=2", None),
        (f"/admin/intake/application/{application.application_id}/change/", None),
        ("/admin/selection/selectionrun/", "admin-runs"),
        (f"/admin/selection/selectionrun/{dry_run.pk}/change/", None),
        (f"/admin/selection/selectionrun/{published.pk}/change/", "admin-run"),
        ("/admin/selection/decision/", None),
        ("/admin/cohorts/cohort/", None),
        (f"/admin/cohorts/cohort/{live.cohort.pk}/change/", "admin-cohort-change"),
        ("/admin/cohorts/cohort/plan/", None),
    ]:
        visit(admin, path)
        # Django's own instructors picker (filter_horizontal, SelectFilter2.js) puts an
        # aria-label on a <span> without a role (axe: aria-prohibited-attr): Django's to fix.
        check(admin, name, exclude=[".selector .help-tooltip"])
    # The proposal: a table of cohorts to open, each number an input to change.
    admin.locator("[name=call]").select_option(str(live.cohort.call_id))
    admin.locator("[name=instructors]").fill("2")
    admin.locator("[name=starts_on]").fill("2027-03-01")
    admin.locator("[name=ends_on]").fill("2027-05-01")
    admin.locator("[name=propose]").click()
    admin.wait_for_load_state()
    assert admin.locator("table input[type=number]").count() > 0
    check(admin, "admin-cohort-plan")
    visit(admin, "/admin/intake/application/")
    assert admin.locator(".paginator a").count() > 0  # the paginator was there to be checked
    # The selection pages: the call's (policy, runs), a dry run left behind by the
    # publication, the published run. (The review with a wrong confirmation typed:
    # yachay/selection/tests/test_browser_publish.py.)
    for path, name in [
        (f"/programa/convocatorias/{selected.slug}/seleccion/", "selection-call"),
        (f"/programa/seleccion/{dry_run.pk}/", None),
        (f"/programa/seleccion/{published.pk}/", "selection-published"),
    ]:
        visit(admin, path)
        check(admin, name)

    coordinator = signed_in(open_session, users["coordinator"], **PHONE)
    for path in ["/admin/", "/admin/intake/application/"]:
        visit(coordinator, path)
        check(coordinator)
