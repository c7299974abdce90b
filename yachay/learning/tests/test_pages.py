"""The learner's pages: Mi aprendizaje, a course's outline, a lesson, a quiz and its result,
lesson images. Pages record nothing on GET; bad input gets a message, never a 500."""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yachay.accounts.models import Role, User
from yachay.accounts.services import user_create
from yachay.cohorts.models import Enrollment, Session
from yachay.cohorts.tests.conftest import Live
from yachay.core.actors import SYSTEM, Actor
from yachay.core.models import AuditEvent
from yachay.learning import selectors, services
from yachay.learning.models import Completion, Course, LessonProgress, QuizAttempt
from yachay.learning.tests.conftest import (
    DEMO,
    HALF,
    RIGHT,
    RULES,
    Learning,
    import_,
    lesson_md,
    many_modules,
    mini_files,
    some_answers,
    write_course,
)
from yachay.programs.models import Track
from yachay.selection.tests.test_selection_runs import submit

pytestmark = pytest.mark.django_db

DEMO_SLUG = "ia-para-tu-negocio"


@pytest.fixture
def demo(live: Live) -> Course:
    """The demo course of content/, taken by the live cohort's track."""
    Track.objects.filter(pk=live.cohort.track_id).update(slug=DEMO_SLUG)
    return import_(DEMO)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response: Any) -> str:
    return str(response.content.decode())


def png_bytes() -> bytes:
    """A 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


ALL_TYPES = """\
id: todo
title: Todo tipo de pregunta
kind: quiz
max_attempts: 2
questions:
  - id: one
    type: single
    prompt: ¿Cuál es uno?
    options:
      - id: a
        text: Este es uno
        correct: true
        feedback: Bien dicho.
      - id: b
        text: Este no
        feedback: Casi, pero no.
    explanation: Explicación de uno.
  - id: many
    type: multiple
    prompt: ¿Cuáles son letras A o B?
    options:
      - id: a
        text: Letra A
        correct: true
      - id: b
        text: Letra B
        correct: true
      - id: c
        text: Letra C
        feedback: La C no era.
    explanation: A y B.
  - id: tf
    type: true_false
    prompt: ¿Es cierto?
    answer: true
    feedback_false: Era cierto.
    explanation: Es cierto.
  - id: num
    type: numeric
    prompt: ¿Cuánto cuesta?
    answer: 12.5
    tolerance: 0.1
    unit: soles
    explanation: Cuesta 12.5 soles.
  - id: txt
    type: text
    prompt: ¿Qué palabra?
    accept: [prompt]
    explanation: La palabra es prompt.
  - id: ord
    type: ordering
    prompt: Ordena los pasos.
    items:
      - id: x
        text: Paso primero
      - id: y
        text: Paso segundo
      - id: z
        text: Paso tercero
    explanation: Primero, segundo, tercero.
"""

RICH_LESSON = """\
Una tabla:

| Columna | Otra |
| --- | --- |
| uno | dos |

```text
una línea de código muy larga que no debe romper la página del celular
```

![Una bodega](../images/bodega.png)

<script>alert("hola")</script>
<img src="x.png" onerror="alert(1)">
[un enlace malo](javascript:alert(1)) y [la otra lección](l2.md).
"""


@pytest.fixture
def rich(live: Live, tmp_path: Path) -> Learning:
    """A course with every question type (2 attempts), a table, code, an image, a script."""
    files = mini_files()
    files["lessons/l1.md"] = lesson_md("l1", "Lección rica", RICH_LESSON)
    files["quizzes/todo.yaml"] = ALL_TYPES
    folder = write_course(
        tmp_path / "rico",
        [("m1", ["lessons/l1.md", "lessons/l2.md", "quizzes/todo.yaml"]),
         ("m2", ["lessons/l3.md", "quizzes/q1.yaml", "quizzes/final.yaml"])],
        files,
        slug="rico",
        completion=RULES,
    )  # fmt: skip
    (folder / "images").mkdir()
    (folder / "images" / "bodega.png").write_bytes(png_bytes())
    course = import_(folder)
    learner = live.learners[0]
    return Learning(live=live, course=course, learner=learner, enrollment=live.enrollments[0],
                    actor=Actor.of_user(learner), folder=folder)  # fmt: skip


def state_counts() -> tuple[int, int, int, int]:
    return (
        LessonProgress.objects.count(),
        QuizAttempt.objects.count(),
        Completion.objects.count(),
        AuditEvent.objects.count(),
    )


# --- Mi aprendizaje ----------------------------------------------------------------------------


def test_my_learning_shows_the_course_track_cohort_next_session_and_progress(
    learning: Learning,
) -> None:
    cohort = learning.live.cohort
    week = timezone.now() + dt.timedelta(days=7)
    Session.objects.create(cohort=cohort, topic="Datos del negocio", place="Aula 5",
                           starts_at=week, ends_at=week + dt.timedelta(hours=2))  # fmt: skip
    page = text_of(signed_in(learning.learner).get("/aprender/"))
    assert "Curso mini" in page
    assert cohort.track.name in page and cohort.name in page
    # The session under way comes first; it has not ended.
    assert "Qué es la IA" in page and "Aula 3" in page
    assert re.search(r'<progress id="p-mini" max="100" value="0">0 %</progress>', page)
    assert 'for="p-mini"' in page  # the bar has a label, with the figure in words
    assert 'href="/aprender/mini/leccion/l1/"' in page  # start at the first lesson


def test_my_learning_continues_where_the_learner_stopped(learning: Learning) -> None:
    services.lesson_complete(user=learning.learner, course=learning.course, activity_id="l1",
                             actor=learning.actor)  # fmt: skip
    page = text_of(signed_in(learning.learner).get("/aprender/"))
    assert 'value="20"' in page
    assert 'class="btn wide" href="/aprender/mini/leccion/l2/"' in page


def test_my_learning_says_what_is_missing_and_when_the_course_was_completed(
    learning: Learning,
) -> None:
    lr = learning
    for lesson in ("l1", "l2", "l3"):
        services.lesson_complete(user=lr.learner, course=lr.course, activity_id=lesson,
                                 actor=lr.actor)  # fmt: skip
    services.quiz_submit(user=lr.learner, course=lr.course, activity_id="q1", answers=HALF,
                         actor=lr.actor)  # fmt: skip
    page = text_of(signed_in(lr.learner).get("/aprender/"))
    assert "Quiz 1" in page and "50" in page and "70" in page  # "te falta" Quiz 1 at 70 %
    assert "<details>" not in page  # two things missing: said in full
    for quiz in ("q1", "final"):
        services.quiz_submit(user=lr.learner, course=lr.course, activity_id=quiz, answers=RIGHT,
                             actor=lr.actor)  # fmt: skip
    page = text_of(signed_in(lr.learner).get("/aprender/"))
    assert 'value="100"' in page
    completion = Completion.objects.get(user=lr.learner)
    assert f"{completion.completed_at:%Y}" in page and 'class="ok"' in page


def test_users_who_may_take_no_course_get_a_kind_explanation(
    learning: Learning, users: dict[str, User]
) -> None:
    for user in (users["learner"], users["instructor"], users["admin"]):
        response = signed_in(user).get("/aprender/")
        assert response.status_code == 200
        assert "<section" not in text_of(response)
    assert 'href="/cohortes/"' in text_of(signed_in(users["instructor"]).get("/aprender/"))


def test_learning_pages_ask_to_sign_in_first(learning: Learning) -> None:
    client = Client()
    for url in [
        "/aprender/",
        "/aprender/mini/",
        "/aprender/mini/leccion/l1/",
        "/aprender/mini/cuestionario/q1/",
        "/aprender/mini/cuestionario/q1/resultado/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/entrar/"), url
    assert client.post("/aprender/mini/leccion/l1/").status_code == 302
    assert LessonProgress.objects.count() == 0


# --- The outline -------------------------------------------------------------------------------


def test_the_outline_shows_every_activity_with_its_state(learning: Learning) -> None:
    lr = learning
    services.lesson_complete(user=lr.learner, course=lr.course, activity_id="l1", actor=lr.actor)
    services.quiz_submit(user=lr.learner, course=lr.course, activity_id="q1", answers=HALF,
                         actor=lr.actor)  # fmt: skip
    page = text_of(signed_in(lr.learner).get("/aprender/mini/"))
    assert page.count('class="st y"') == 1  # l1 done
    for url in ["leccion/l1/", "leccion/l2/", "cuestionario/q1/", "leccion/l3/",
                "cuestionario/final/"]:  # fmt: skip
        assert f'href="/aprender/mini/{url}"' in page
    assert "Módulo m1" in page and "Módulo m2" in page
    assert "50 %" in page  # q1's best score
    q1 = page.split('href="/aprender/mini/cuestionario/q1/">', 1)[1].split("</li>", 1)[0]
    assert "te queda 1 intento" in q1  # q1: 2 attempts, 1 used, 1 left


# --- Who may open a course ---------------------------------------------------------------------


def test_a_course_the_user_may_not_take_is_a_403_page_with_a_message(
    learning: Learning, users: dict[str, User]
) -> None:
    stranger = signed_in(users["learner"])
    for url in ["/aprender/mini/", "/aprender/mini/leccion/l1/", "/aprender/mini/cuestionario/q1/",
                "/aprender/mini/cuestionario/q1/resultado/"]:  # fmt: skip
        response = stranger.get(url)
        assert response.status_code == 403, url
        assert 'role="alert"' in text_of(response)
    before = state_counts()
    assert stranger.post("/aprender/mini/leccion/l1/").status_code == 403
    assert stranger.post("/aprender/mini/cuestionario/q1/", {"q.s1": "a"}).status_code == 403
    assert state_counts() == before


def test_a_dropped_learner_may_not_take_the_course_any_more(learning: Learning) -> None:
    Enrollment.objects.filter(pk=learning.enrollment.pk).update(status=Enrollment.Status.DROPPED)
    assert signed_in(learning.learner).get("/aprender/mini/").status_code == 403
    assert "<section" not in text_of(signed_in(learning.learner).get("/aprender/"))


def test_unknown_courses_and_activities_are_404(learning: Learning) -> None:
    client = signed_in(learning.learner)
    for url in ["/aprender/nada/", "/aprender/nada/leccion/l1/", "/aprender/mini/leccion/l9/",
                "/aprender/mini/cuestionario/q9/", "/aprender/mini/cuestionario/q9/resultado/",
                "/aprender/mini/leccion/%C3%B1and%C3%BA/", "/aprender/mini/leccion/l1%3Cscript%3E/",
                "/aprender/mini/leccion/" + "l" * 500 + "/"]:  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.post("/aprender/mini/leccion/l9/").status_code == 404
    assert client.post("/aprender/mini/cuestionario/q9/", {"q.s1": "a"}).status_code == 404
    assert state_counts()[:2] == (0, 0)


def test_a_quiz_opened_as_a_lesson_goes_to_the_quiz_and_back(learning: Learning) -> None:
    client = signed_in(learning.learner)
    assert client.get("/aprender/mini/leccion/q1/")["Location"] == "/aprender/mini/cuestionario/q1/"
    assert client.get("/aprender/mini/cuestionario/l1/")["Location"] == "/aprender/mini/leccion/l1/"
    assert client.post("/aprender/mini/leccion/q1/").status_code == 302
    assert LessonProgress.objects.count() == 0


# --- A lesson ----------------------------------------------------------------------------------


def test_opening_a_lesson_records_nothing_and_the_button_marks_it_read(learning: Learning) -> None:
    client = signed_in(learning.learner)
    before = state_counts()
    page = text_of(client.get("/aprender/mini/leccion/l1/"))
    assert state_counts() == before
    assert "Lección l1" in page and "Texto de la lección." in page and "5 min" in page
    assert '<form method="post">' in page and 'rel="next" ' not in page
    assert 'href="/aprender/mini/leccion/l2/" rel="next"' in page
    response = client.post("/aprender/mini/leccion/l1/")
    assert response.status_code == 302 and response["Location"] == "/aprender/mini/leccion/l2/"
    assert LessonProgress.objects.filter(user=learning.learner, activity_id="l1").count() == 1
    # Again: nothing new, and the page now says it is read and offers to continue.
    client.post("/aprender/mini/leccion/l1/")
    assert LessonProgress.objects.filter(user=learning.learner).count() == 1
    page = text_of(client.get("/aprender/mini/leccion/l1/"))
    assert '<form method="post">' not in page
    assert 'class="btn wide" href="/aprender/mini/leccion/l2/"' in page


def test_the_last_lesson_of_a_module_continues_to_its_quiz_and_navigation_goes_both_ways(
    learning: Learning,
) -> None:
    client = signed_in(learning.learner)
    page = text_of(client.get("/aprender/mini/leccion/l2/"))
    assert 'href="/aprender/mini/leccion/l1/" rel="prev"' in page
    assert 'href="/aprender/mini/cuestionario/q1/" rel="next"' in page
    assert (
        client.post("/aprender/mini/leccion/l2/")["Location"] == "/aprender/mini/cuestionario/q1/"
    )


def test_a_script_in_lesson_content_is_never_sent_to_the_browser(rich: Learning) -> None:
    page = text_of(signed_in(rich.learner).get("/aprender/rico/leccion/l1/"))
    lesson = page.split('<div class="lesson">', 1)[1].split('<form method="post">', 1)[0]
    # Raw HTML in Markdown is shown as text, never as tags or attributes.
    assert "<script" not in lesson.lower() and "&lt;script&gt;" in lesson
    assert '<img src="x.png"' not in lesson and 'href="javascript' not in lesson
    assert "<script" not in page.lower()  # and the page has no script of its own
    assert 'href="/aprender/rico/leccion/l2/"' in lesson  # a lesson link, resolved


def test_lesson_tables_scroll_sideways_and_images_come_from_the_course(rich: Learning) -> None:
    page = text_of(signed_in(rich.learner).get("/aprender/rico/leccion/l1/"))
    assert '<div class="scroll" tabindex="0">\n<table>' in page
    assert "</table>\n</div>" in page
    assert "<pre>" in page and 'href="/static/learning/learning.css"' in page
    css = finders.find("learning/learning.css")
    assert css is not None
    style = Path(css).read_text(encoding="utf-8")
    assert ".lesson pre{white-space:pre-wrap" in style and ".lesson img{max-width:100%" in style
    number = rich.course.current_version.number  # type: ignore[union-attr]
    assert f'src="/aprender/rico/recursos/{number}/images/bodega.png"' in page
    assert 'alt="Una bodega"' in page


def test_lesson_images_are_served_with_long_cache_headers(rich: Learning) -> None:
    client = signed_in(rich.learner)
    number = rich.course.current_version.number  # type: ignore[union-attr]
    url = f"/aprender/rico/recursos/{number}/images/bodega.png"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == png_bytes()
    assert "max-age=31536000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    for bad in [f"/aprender/rico/recursos/{number}/images/otra.png",
                f"/aprender/rico/recursos/{number + 1}/images/bodega.png",
                f"/aprender/rico/recursos/{number}/../course.yaml",
                f"/aprender/nada/recursos/{number}/images/bodega.png"]:  # fmt: skip
        assert client.get(bad).status_code == 404, bad


def test_lesson_images_are_not_served_to_users_who_may_not_take_the_course(
    rich: Learning, users: dict[str, User]
) -> None:
    number = rich.course.current_version.number  # type: ignore[union-attr]
    url = f"/aprender/rico/recursos/{number}/images/bodega.png"
    assert signed_in(users["learner"]).get(url).status_code == 404
    assert Client().get(url).status_code == 302


# --- A quiz ------------------------------------------------------------------------------------

QUIZ = "/aprender/rico/cuestionario/todo/"
ALL_RIGHT: dict[str, Any] = {"q.one": "a", "q.many": ["a", "b"], "q.tf": "true", "q.num": "12,5",
             "q.txt": " Prompt ", "q.ord.x": "1", "q.ord.y": "2", "q.ord.z": "3",
             "_attempt": "1"}  # fmt: skip
ALL_WRONG: dict[str, Any] = {"q.one": "b", "q.many": ["a", "c"], "q.tf": "false", "q.num": "13",
             "q.txt": "otra", "q.ord.x": "3", "q.ord.y": "2", "q.ord.z": "1",
             "_attempt": "1"}  # fmt: skip


def test_the_quiz_page_has_a_control_for_each_question_type_and_no_answers(rich: Learning) -> None:
    before = state_counts()
    page = text_of(signed_in(rich.learner).get(QUIZ))
    assert state_counts() == before
    form = page.split("<form", 1)[1]
    assert page.count("<fieldset") == 6 and page.count("<legend>") == 6
    assert form.count('type="radio" name="q.one"') == 2
    assert form.count('type="checkbox" name="q.many"') == 3
    assert 'type="radio" name="q.tf" value="true"' in form
    assert 'inputmode="decimal"' in form and "soles" in form
    assert 'name="q.txt"' in form and 'maxlength="1000"' in form
    assert form.count("<select") == 3 and 'name="q.ord.x"' in form
    # Every text input and select has a label pointing at it.
    for control_id in re.findall(r'<(?:input type="text"|select)[^>]* id="([^"]+)"', form):
        assert f'for="{control_id}"' in form, control_id
    assert 'name="_attempt" value="1"' in form
    # Nothing that gives the answers away.
    for secret in ["Bien dicho", "Casi", "La C no era", "Era cierto", "Explicación de uno",
                   "12.5", "prompt", "correct=", '"correct"', "Primero, segundo"]:  # fmt: skip
        assert secret not in form, secret
    intro = page.split("</h1>", 1)[1].split("</p>", 1)[0]
    assert re.search(r"\b0\b\D+\b2\b", intro)  # 0 attempts used of 2


def test_the_ordering_items_are_never_shown_in_the_right_order(rich: Learning) -> None:
    page = text_of(signed_in(rich.learner).get(QUIZ))
    shown = re.findall(r'<label for="q\.ord\.(\w)">', page)
    assert sorted(shown) == ["x", "y", "z"] and shown != ["x", "y", "z"]


def test_a_wrong_attempt_shows_the_score_the_feedback_and_the_explanations(rich: Learning) -> None:
    client = signed_in(rich.learner)
    response = client.post(QUIZ, ALL_WRONG)
    assert response.status_code == 302 and response["Location"] == f"{QUIZ}resultado/"
    attempt = QuizAttempt.objects.get()
    assert attempt.number == 1 and attempt.score_percent == 0
    assert attempt.answers["ord"] == ["z", "y", "x"] and attempt.answers["tf"] is False
    page = text_of(client.get(f"{QUIZ}resultado/"))
    assert "0 %" in page and "alert" in page  # not passed: the red box
    assert page.count('class="mark n"') == 6
    for shown in ["Casi, pero no.", "La C no era.", "Era cierto.", "Explicación de uno.",
                  "Este no", "Letra C", "13 soles", "otra"]:  # fmt: skip
        assert shown in page, shown
    assert re.search(r"<ol><li>Paso tercero</li><li>Paso segundo</li><li>Paso primero</li></ol>",
                     page)  # fmt: skip
    assert f'class="btn" href="{QUIZ}"' in page  # try again: one attempt left


def test_a_right_attempt_passes_and_offers_to_continue(rich: Learning) -> None:
    client = signed_in(rich.learner)
    client.post(QUIZ, ALL_RIGHT)
    assert QuizAttempt.objects.get().score_percent == 100
    page = text_of(client.get(f"{QUIZ}resultado/"))
    assert 'class="ok" role="status"' in page and page.count('class="mark y"') == 6
    assert "Bien dicho." in page
    assert 'class="btn" href="/aprender/rico/leccion/l3/"' in page  # continue to what follows
    assert f'href="{QUIZ}">' not in page.split("<h2>")[0]  # 100 %: no "try again"


def test_an_empty_quiz_form_records_nothing_uses_no_attempt_and_shows_no_answers(
    rich: Learning,
) -> None:
    client = signed_in(rich.learner)
    before = state_counts()
    r = client.post(QUIZ, {"_attempt": "1", "q.txt": "   "})
    page = text_of(r)
    assert r.status_code == 422 and state_counts() == before
    assert "Responde las preguntas antes de enviar" in page
    assert "no se usó ningún intento" in page
    assert page.count("Responde esta pregunta.") == 12  # in the summary and at each question
    assert "Bien dicho." not in page and "Por qué" not in page  # no feedback, no explanation
    assert "Intentos usados: 0 de 2." in page


def test_a_half_filled_quiz_form_keeps_what_was_typed_and_names_the_missing_questions(
    rich: Learning,
) -> None:
    client = signed_in(rich.learner)
    before = state_counts()
    r = client.post(QUIZ, {"q.one": "a", "q.txt": "datos", "_attempt": "1"})
    page = text_of(r)
    assert r.status_code == 422 and state_counts() == before
    assert "Revisa algunas respuestas; todavía no se registró nada" in page
    assert page.count("Responde esta pregunta.") == 8
    assert 'value="datos"' in page and 'value="a" checked' in page
    assert client.post(QUIZ, {**ALL_RIGHT, "_attempt": "1"}).status_code == 302
    assert QuizAttempt.objects.get().number == 1  # the empty tries used no attempt


def test_a_tampered_option_id_is_a_422_page_and_records_nothing(rich: Learning) -> None:
    client = signed_in(rich.learner)
    before = state_counts()
    cases: list[dict[str, Any]] = [
        {"q.one": "zzz"},
        {"q.many": ["a", "a"]},
        {"q.many": ["nope"]},
        {"q.tf": "quizás"},
        {"q.ord.x": "9", "q.ord.y": "1", "q.ord.z": "2"},
        {"q.ord.x": "uno", "q.ord.y": "1", "q.ord.z": "2"},
    ]
    for tampered in cases:
        response = client.post(QUIZ, {**ALL_RIGHT, **tampered})
        assert response.status_code == 422, tampered
        page = text_of(response)
        assert 'role="alert"' in page and 'class="err"' in page
        # What the learner typed is kept.
        assert 'value="12,5"' in page and 'value=" Prompt "' in page
    assert state_counts() == before


def test_an_incomplete_order_gets_a_message_next_to_the_question(rich: Learning) -> None:
    client = signed_in(rich.learner)
    response = client.post(QUIZ, {**ALL_RIGHT, "q.ord.x": "1", "q.ord.y": "1", "q.ord.z": ""})
    assert response.status_code == 422
    page = text_of(response)
    field = page.split('id="q.ord"', 1)[1].split("</fieldset>", 1)[0]
    assert 'class="err"' in field
    assert re.search(r'name="q.ord.x">.*?<option selected>1</option>', field, re.S)
    assert 'href="#q.ord"' in page  # the summary at the top links to it
    assert QuizAttempt.objects.count() == 0


def test_a_word_in_a_number_field_is_refused_next_to_it_with_the_text_kept(rich: Learning) -> None:
    response = signed_in(rich.learner).post(QUIZ, {**ALL_RIGHT, "q.num": "doce"})
    assert response.status_code == 422
    field = text_of(response).split('id="q.num"', 1)[1].split("</fieldset>", 1)[0]
    assert 'class="err"' in field and 'value="doce"' in field
    assert QuizAttempt.objects.count() == 0


def test_huge_unicode_and_injected_answers_are_handled(rich: Learning) -> None:
    client = signed_in(rich.learner)
    huge = client.post(QUIZ, {**ALL_RIGHT, "q.txt": "a" * 5000})
    assert huge.status_code == 422 and 'class="err"' in text_of(huge)
    number = client.post(QUIZ, {**ALL_RIGHT, "q.num": "9" * 5000})
    assert number.status_code == 422
    assert QuizAttempt.objects.count() == 0
    script = '<script>alert("x")</script> Ñandú 🦙'
    assert client.post(QUIZ, {**ALL_RIGHT, "q.txt": script}).status_code == 302
    assert QuizAttempt.objects.get().answers["txt"] == script
    page = text_of(client.get(f"{QUIZ}resultado/"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Ñandú 🦙" in page


def test_a_form_sent_twice_records_one_attempt(rich: Learning) -> None:
    client = signed_in(rich.learner)
    first = client.post(QUIZ, ALL_WRONG)
    second = client.post(QUIZ, ALL_WRONG)
    assert first["Location"] == second["Location"] == f"{QUIZ}resultado/"
    assert QuizAttempt.objects.count() == 1
    # The next form is for attempt 2, and counts.
    assert 'name="_attempt" value="2"' in text_of(client.get(QUIZ))
    client.post(QUIZ, {**ALL_RIGHT, "_attempt": "2"})
    assert QuizAttempt.objects.count() == 2


def test_after_the_attempt_limit_the_page_says_so_and_a_submit_is_a_409(rich: Learning) -> None:
    client = signed_in(rich.learner)
    client.post(QUIZ, ALL_WRONG)
    client.post(QUIZ, {**ALL_WRONG, "_attempt": "2"})
    page = text_of(client.get(QUIZ))
    assert "<form" not in page.split("</header>", 1)[1].split("<footer>")[0].replace(
        '<form class="lang"', ""
    )
    response = client.post(QUIZ, {**ALL_RIGHT, "_attempt": "3"})
    assert response.status_code == 409
    assert 'role="alert"' in text_of(response)
    assert QuizAttempt.objects.count() == 2
    result = text_of(client.get(f"{QUIZ}resultado/"))
    assert f'href="{QUIZ}">' not in result.split("<h2>")[0]  # no "try again"


def test_another_learners_attempt_cannot_be_seen(rich: Learning) -> None:
    """There is no attempt id in any URL: the result page shows the signed-in learner's own
    latest attempt, so another learner only ever gets theirs (here: none yet)."""
    signed_in(rich.learner).post(QUIZ, ALL_WRONG)
    other = signed_in(rich.live.learners[1])
    response = other.get(f"{QUIZ}resultado/")
    assert response.status_code == 302 and response["Location"] == QUIZ
    assert "Casi, pero no." not in text_of(other.get(QUIZ))


def test_extra_fields_are_ignored(rich: Learning) -> None:
    response = signed_in(rich.learner).post(
        QUIZ, {**ALL_RIGHT, "q.nope": "a", "answers": "{}", "q.one.a": "1"}
    )
    assert response.status_code == 302
    assert QuizAttempt.objects.get().score_percent == 100


def test_get_never_changes_anything(rich: Learning) -> None:
    client = signed_in(rich.learner)
    client.post(QUIZ, ALL_WRONG)
    before = state_counts()
    for url in ["/aprender/", "/aprender/rico/", "/aprender/rico/leccion/l1/", QUIZ,
                f"{QUIZ}resultado/"]:  # fmt: skip
        assert client.get(url).status_code == 200, url
    assert state_counts() == before


# --- Query counts ------------------------------------------------------------------------------


def queries(client: Client, url: str, data: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url) if data is None else client.post(url, data)
    assert response.status_code == (200 if data is None else 302), (url, response.status_code)
    return len(captured)


def others_with_progress(live: Live, course: Course, n: int, start: int) -> None:
    """``n`` more learners of the cohort, each with a lesson read and a quiz taken."""
    for i in range(start, start + n):
        user = user_create(username=f"otra{i}", role=Role.LEARNER, actor=SYSTEM)
        app = submit(live.cohort.call, i, "female", "080101", "entrepreneur", None)
        Enrollment.objects.create(application=app, user=user, cohort=live.cohort, status="active")
        services.lesson_complete(user=user, course=course, activity_id="l0", actor=SYSTEM)
        services.quiz_submit(user=user, course=course, activity_id="q0", answers=HALF,
                             actor=SYSTEM)  # fmt: skip


#: Queries of each learner page, the session and the user included (the course, its version
#: and activities come from the process's memo: selectors.course_shape). Issue #17 asked for
#: at most half of what they took before (in brackets: SQLite in this test / the demo course
#: on PostgreSQL in bench/learning_load.py, BEGIN and COMMIT included there).
LEARNER_PAGE_QUERIES = {
    "home": 7,  # (12 / 14) session, user, enrollments, sessions with attendance; per course
    #             lessons, attempts with grants, completion
    "outline": 6,  # (11 / –) session, user, enrollments, lessons, attempts, completion
    "lesson": 3,  # (8 / 8) session, user, enrollments with this lesson's date
    "mark as read": 11,  # (21 / 28) + lock, lessons, 2 INSERT, completion, best scores
    "quiz": 3,  # (8 / 7) session, user, enrollments with the standing at this quiz
    "quiz submit": 12,  # (28 / 32) + lock, standing, 2 INSERT, completion, lessons, best
    "result": 4,  # (10 / 9) + the attempt
}


HOME_QUERIES_PER_COURSE = 3


def test_learner_pages_take_the_same_queries_for_3_or_20_modules_30_learners_and_attempts(
    live: Live, tmp_path: Path
) -> None:
    learner = live.learners[0]
    client = signed_in(learner)
    counts: dict[str, list[int]] = {}
    # Three modules at least: the pages' posts must not complete the course (a completion is
    # written once, by more queries).
    for n, slug in ((3, "corto"), (20, "largo")):
        course = import_(many_modules(tmp_path / slug, n, slug=slug))
        others_with_progress(live, course, 1 if n == 3 else 30, 200 if n == 3 else 300)
        services.lesson_complete(user=learner, course=course, activity_id="l0", actor=SYSTEM)
        services.quiz_submit(user=learner, course=course, activity_id="q0", answers=HALF,
                             actor=SYSTEM)  # fmt: skip
        if n == 20:  # more attempts of one's own: two at the quiz the page submits
            for _ in range(2):
                services.quiz_submit(user=learner, course=course, activity_id="q1",
                                     answers=HALF, actor=SYSTEM)  # fmt: skip
        used = QuizAttempt.objects.filter(user=learner, course=course, activity_id="q1").count()
        client.get("/aprender/")  # the process reads the course's shape once
        answers = {"q.s1": "a", "q.t1": "false", "_attempt": str(used + 1)}
        for name, url, data in [
            ("home", "/aprender/", None),
            ("outline", f"/aprender/{slug}/", None),
            ("lesson", f"/aprender/{slug}/leccion/l1/", None),
            ("mark as read", f"/aprender/{slug}/leccion/l1/", {}),
            ("quiz", f"/aprender/{slug}/cuestionario/q1/", None),
            ("quiz submit", f"/aprender/{slug}/cuestionario/q1/", answers),
            ("result", f"/aprender/{slug}/cuestionario/q1/resultado/", None),
        ]:
            counts.setdefault(name, []).append(queries(client, url, data))
        assert (
            QuizAttempt.objects.filter(user=learner, course=course, activity_id="q1").count()
            == used + 1
        )
    # Home lists every course the learner takes: by the second pass they take two.
    assert counts["home"][1] == counts["home"][0] + HOME_QUERIES_PER_COURSE
    for name, (few, many) in counts.items():
        assert few == many or name == "home", f"{name}: {counts}"
    assert {name: few for name, (few, _many) in counts.items()} == LEARNER_PAGE_QUERIES


def test_a_process_that_has_not_read_the_course_yet_takes_three_queries_more(
    learning: Learning,
) -> None:
    from yachay.core.memo import clear_all

    client = signed_in(learning.learner)
    url = f"/aprender/{learning.course.slug}/leccion/l1/"
    client.get(url)
    clear_all()
    assert queries(client, url) == LEARNER_PAGE_QUERIES["lesson"] + 3  # course, tracks, activities
    assert queries(client, url) == LEARNER_PAGE_QUERIES["lesson"]


def test_a_course_imported_again_shows_its_new_version_at_once_in_this_process(
    learning: Learning,
) -> None:
    client = signed_in(learning.learner)
    url = f"/aprender/{learning.course.slug}/leccion/l1/"
    assert "Texto de la lección." in text_of(client.get(url))
    lesson = learning.folder / "lessons" / "l1.md"
    lesson.write_text(lesson.read_text().replace("Texto de la lección.", "Texto nuevo."))
    import_(learning.folder)
    assert "Texto nuevo." in text_of(client.get(url))


def test_the_demo_course_pages_answer(demo: Course, live: Live) -> None:
    client = signed_in(live.learners[0])
    assert client.get(f"/aprender/{DEMO_SLUG}/").status_code == 200
    outline = text_of(client.get(f"/aprender/{DEMO_SLUG}/"))
    urls = re.findall(rf'href="(/aprender/{DEMO_SLUG}/(?:leccion|cuestionario)/[^"]+)"', outline)
    assert len(set(urls)) == 20
    for url in set(urls):
        assert client.get(url).status_code == 200, url


def test_a_learner_waiting_for_a_cohort_sees_the_course_without_a_session(
    learning: Learning, users: dict[str, User]
) -> None:
    app = submit(learning.live.cohort.call, 50, "female", "080101", "entrepreneur", None)
    Enrollment.objects.create(application=app, user=users["learner"])  # waiting, no cohort
    page = text_of(signed_in(users["learner"]).get("/aprender/"))
    assert "Curso mini" in page and learning.live.cohort.name not in page
    assert "Aula 3" not in page


def test_the_account_page_links_to_my_learning(learning: Learning) -> None:
    page = text_of(signed_in(learning.learner).get("/mi-cuenta/"))
    assert 'href="/aprender/"' in page


def test_what_the_pages_say_is_missing_is_what_completion_evaluate_says(
    demo: Course, live: Live
) -> None:
    """The pages read what is missing without writing (completion_evaluate may write a
    Completion); both must agree, attendance included (the demo course counts it)."""
    learner = live.learners[0]
    actor = Actor.of_user(learner)
    services.lesson_complete(user=learner, course=demo, activity_id="m1-l1-que-es-la-ia",
                             actor=actor)  # fmt: skip
    services.quiz_submit(user=learner, course=demo, activity_id="m1-quiz",
                         answers=some_answers(demo, "m1-quiz"), actor=actor)  # fmt: skip
    enrollment = selectors.may_take(learner, demo)
    outline = selectors.learner_outline(learner, demo)
    assert outline is not None
    before = state_counts()
    shown = selectors.completion_status(outline, enrollment)
    assert state_counts() == before
    evaluated = services.completion_evaluate(user=learner, course=demo, actor=actor)
    assert shown.missing == evaluated.missing and not shown.complete
    assert any(m.kind == "attendance" for m in shown.missing)
    assert shown.text() == evaluated.text()
