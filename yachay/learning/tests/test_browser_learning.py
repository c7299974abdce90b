"""Learning in a real browser, with the real demo course: a learner on a phone with
JavaScript off reads a lesson, fails a quiz, reads the feedback, retries and passes; the
instructor follows the cohort's progress.

Screenshots of every learning page, on a phone and on a desktop, land in ``screenshots/``.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page

from yachay.accounts.models import User
from yachay.cohorts.tests.conftest import Live
from yachay.cohorts.tests.test_browser_checkin import shot, signed_in
from yachay.core.actors import SYSTEM
from yachay.intake.tests.test_browser import (  # noqa: F401  (fixtures)
    DESKTOP,
    PHONE,
    OpenSession,
    browser,
    open_session,
    unlabelled_fields,
)
from yachay.learning.models import Course, LessonProgress, QuizAttempt
from yachay.learning.services import course_import
from yachay.learning.tests.conftest import DEMO
from yachay.programs.models import Track

pytestmark = pytest.mark.browser

SLUG = "ia-para-tu-negocio"
QUIZ = f"/aprender/{SLUG}/cuestionario/m1-quiz/"
# The first quiz of the demo course (quizzes/01-que-es-la-ia.yaml), answered all wrong and
# all right: (field name, values to tick).
WRONG = [("q1", ["b"]), ("q2", ["true"]), ("q3", ["d"]), ("q4", ["b"]), ("q5", ["false"]),
         ("q6", ["b"])]  # fmt: skip
RIGHT = [("q1", ["a"]), ("q2", ["false"]), ("q3", ["a", "b", "c"]), ("q4", ["a"]),
         ("q5", ["true"]), ("q6", ["a"])]  # fmt: skip


@pytest.fixture
def demo(live: Live) -> Course:
    """The demo course, taken by the live cohort's track."""
    Track.objects.filter(pk=live.cohort.track_id).update(slug=SLUG)
    report = course_import(path=DEMO, actor=SYSTEM)
    assert report.course is not None
    return report.course


def headings_in_order(page: Page) -> None:
    """One h1, and no heading level skipped on the way down (h2 after h1, h3 after h2)."""
    levels = page.evaluate(
        "() => [...document.querySelectorAll('main h1, main h2, main h3, main h4')]"
        ".map(h => Number(h.tagName[1]))"
    )
    assert levels[0] == 1 and levels.count(1) == 1, levels
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, levels


def answer(page: Page, answers: list[tuple[str, list[str]]]) -> None:
    for question, values in answers:
        for value in values:
            page.locator(f'[name="q.{question}"][value="{value}"]').check()
    page.locator("main form button").click()
    page.wait_for_load_state()


def test_a_learner_on_a_phone_reads_fails_retries_and_passes_without_javascript(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    demo: Course,
    users: dict[str, User],
) -> None:
    learner = live.learners[0]
    phone = signed_in(open_session, learner, java_script_enabled=False, **PHONE)

    phone.goto("/aprender/")
    assert phone.locator("h2").first.inner_text() == "IA para tu negocio"
    assert phone.locator("progress").get_attribute("value") == "0"
    headings_in_order(phone)
    shot(phone, "phone-learning-home")

    phone.locator("main section a.btn").click()  # "Empezar"
    assert phone.url.endswith(f"/aprender/{SLUG}/leccion/m1-l1-que-es-la-ia/")
    headings_in_order(phone)
    shot(phone, "phone-learning-lesson")
    phone.locator("main form button").click()  # mark as read and continue
    assert phone.url.endswith("/leccion/m1-l2-lo-que-la-ia-no-es/")
    assert phone.locator("p.ok[role=status]").is_visible()
    assert LessonProgress.objects.filter(user=learner, activity_id="m1-l1-que-es-la-ia").exists()
    shot(phone, "phone-learning-lesson-2")

    phone.goto(f"/aprender/{SLUG}/")
    assert phone.locator(".st.y").count() == 1
    headings_in_order(phone)
    shot(phone, "phone-learning-outline")

    phone.goto(QUIZ)
    assert unlabelled_fields(phone) == []
    assert phone.locator("fieldset legend").count() == 6
    headings_in_order(phone)
    shot(phone, "phone-learning-quiz")
    answer(phone, WRONG)
    assert phone.url.endswith(f"{QUIZ}resultado/")
    result = phone.locator("main").inner_text()
    status = phone.locator("main [role=status]").inner_text()
    assert re.search(r"\b0 %", status) and "100" not in status
    # The feedback of what was chosen, and the explanation.
    assert "No. La IA calcula patrones" in result
    assert "aprendizaje automático" in result
    headings_in_order(phone)
    shot(phone, "phone-learning-quiz-failed")

    phone.locator(f"main .actions a.btn[href='{QUIZ}']").click()  # try again
    answer(phone, RIGHT)
    assert "100 %" in phone.locator("main [role=status]").inner_text()
    shot(phone, "phone-learning-quiz-passed")
    assert list(
        QuizAttempt.objects.filter(user=learner).values_list("number", "score_percent")
    ) == [(1, 0), (2, 100)]

    # The ordering and numeric controls, on a quiz further on.
    phone.goto(f"/aprender/{SLUG}/cuestionario/m3-quiz/")
    assert unlabelled_fields(phone) == []
    shot(phone, "phone-learning-quiz-ordering")
    # An order with a repeated place: a message next to the question, the rest kept.
    phone.locator('[name="q.q5"]').fill("prompt")
    phone.locator('[name="q.q4.a"]').select_option("1")
    phone.locator('[name="q.q4.b"]').select_option("1")
    phone.locator("main form button").click()
    phone.wait_for_load_state()
    assert phone.locator("[role=alert]").first.is_visible()
    assert phone.locator('fieldset[id="q.q4"] .err').is_visible()
    assert phone.locator('[name="q.q5"]').input_value() == "prompt"
    assert phone.locator('[name="q.q4.b"]').input_value() == "1"
    shot(phone, "phone-learning-quiz-error")
    assert QuizAttempt.objects.filter(user=learner, activity_id="m3-quiz").count() == 0

    desktop = signed_in(open_session, learner, **DESKTOP)
    for path, name in [
        ("/aprender/", "home"),
        (f"/aprender/{SLUG}/", "outline"),
        (f"/aprender/{SLUG}/leccion/m3-l2-como-pedirle-bien/", "lesson"),
        (f"/aprender/{SLUG}/cuestionario/m3-quiz/", "quiz"),
        (f"{QUIZ}resultado/", "quiz-result"),
    ]:
        desktop.goto(path)
        shot(desktop, f"desktop-learning-{name}")
    phone.goto(f"/aprender/{SLUG}/leccion/m3-l2-como-pedirle-bien/")  # a table, code blocks
    shot(phone, "phone-learning-lesson-table")

    for size, options in (("desktop", DESKTOP), ("phone", PHONE)):
        staff = signed_in(open_session, users["instructor"], **options)
        staff.goto(f"/cohortes/{live.cohort.pk}/")
        shot(staff, f"{size}-learning-cohort", learner_page=False)
        staff.locator(f"a[href='/cohortes/{live.cohort.pk}/progreso/']").click()
        rows = staff.locator("table.progress tbody tr")
        assert rows.count() == 3
        staff.locator("table.progress thead a[href='?orden=percent']").click()
        staff.locator("table.progress thead a[href='?orden=-percent']").click()
        assert "Yupanqui" in rows.first.inner_text()  # the one who did something, first
        shot(staff, f"{size}-learning-cohort-progress", learner_page=False)


def test_a_learner_signs_in_with_the_emailed_link_and_an_instructor_gives_another_attempt(
    open_session: OpenSession,  # noqa: F811
    live: Live,
    demo: Course,
    users: dict[str, User],
) -> None:
    """The whole learner journey from the sign-in email: Mi aprendizaje, a lesson marked as
    read, an empty quiz sent by mistake (nothing recorded), three failed attempts, the
    message that says what to do, the instructor's extra attempt, and a pass."""
    learner = live.learners[0]
    learner.email = "yupanqui@example.pe"
    learner.save()
    phone = open_session(java_script_enabled=False, **PHONE).page
    phone.goto("/entrar/")
    shot(phone, "phone-learning-sign-in")
    phone.locator('input[name="email"]').fill(learner.email)
    phone.locator("main form button").click()
    phone.wait_for_load_state()
    assert phone.locator("main [role=status]").is_visible()
    shot(phone, "phone-learning-sign-in-sent")
    sent = [m for m in mail.outbox if m.to == [learner.email] and "/entrar/" in str(m.body)]
    assert len(sent) == 1
    link = re.search(r"https?://\S+/entrar/\S+", str(sent[0].body))
    assert link
    parts = urlsplit(link.group(0))
    phone.goto(parts.path)
    shot(phone, "phone-learning-sign-in-link")
    phone.locator("main form button").click()  # "Entrar": the link is spent
    phone.wait_for_load_state()
    assert phone.url.endswith("/mi-cuenta/")
    shot(phone, "phone-learning-my-account")

    phone.goto("/aprender/")
    assert phone.locator("h1").inner_text() == "Mi aprendizaje"
    phone.locator("main section a.btn").click()  # "Empezar": the first lesson
    phone.locator("main form button").click()  # mark as read and continue
    assert phone.locator("p.ok[role=status]").is_visible()
    assert LessonProgress.objects.filter(user=learner).count() == 1
    shot(phone, "phone-learning-lesson-read")

    phone.goto(QUIZ)
    phone.locator("main form button").click()  # nothing ticked
    phone.wait_for_load_state()
    alert = phone.locator("main [role=alert]").first.inner_text()
    assert "No se registró nada y no se usó ningún intento" in alert
    assert phone.locator("fieldset .err").count() == 6
    assert "Intentos usados: 0 de 3." in phone.locator("main").inner_text()
    assert QuizAttempt.objects.filter(user=learner).count() == 0
    shot(phone, "phone-learning-quiz-empty")

    for attempt in range(1, 4):
        phone.goto(QUIZ)
        if attempt == 1:
            shot(phone, "phone-learning-quiz-before")
        answer(phone, WRONG)
        assert phone.url.endswith(f"{QUIZ}resultado/")
        if attempt == 1:
            shot(phone, "phone-learning-quiz-result")
    out = phone.locator("main").inner_text()
    assert "Usaste todos tus intentos (3) sin llegar a 70 %" in out
    assert "pide a tu instructora o instructor otro intento" in out
    shot(phone, "phone-learning-quiz-out-of-attempts")
    phone.goto("/aprender/")
    assert "Usaste todos tus intentos (3) en «" in phone.locator("main").inner_text()
    headings_in_order(phone)
    shot(phone, "phone-learning-home-out-of-attempts")
    phone.goto(QUIZ)
    assert phone.locator("main form.qz").count() == 0
    shot(phone, "phone-learning-quiz-no-attempts")

    desktop = signed_in(open_session, learner, **DESKTOP)
    for path, name in [("/aprender/", "home-out-of-attempts"), (QUIZ, "quiz-no-attempts"),
                       (f"{QUIZ}resultado/", "quiz-result-out-of-attempts")]:  # fmt: skip
        desktop.goto(path)
        shot(desktop, f"desktop-learning-{name}")

    staff = signed_in(open_session, users["instructor"], **DESKTOP)
    staff.goto(f"/cohortes/{live.cohort.pk}/progreso/")
    button = staff.locator("table.progress form button")
    assert button.count() == 1 and "Ñahui, Yupanqui" in (button.text_content() or "")
    shot(staff, "desktop-learning-cohort-progress-out-of-attempts", learner_page=False)
    button.click()
    staff.wait_for_load_state()
    assert "ya puede hacer un intento más" in staff.locator("main").inner_text()
    assert staff.locator("table.progress form button").count() == 0
    shot(staff, "desktop-learning-cohort-progress-attempt-given", learner_page=False)

    phone.goto(QUIZ)
    assert "Intentos usados: 3 de 4." in phone.locator("main").inner_text()
    answer(phone, RIGHT)
    assert "100 %" in phone.locator("main [role=status]").inner_text()
    shot(phone, "phone-learning-quiz-passed-after-extra-attempt")
    assert list(QuizAttempt.objects.filter(user=learner).values_list("number", flat=True)) == [
        1,
        2,
        3,
        4,
    ]
