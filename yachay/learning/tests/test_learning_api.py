"""The learning API: courses, outlines without answers, the learner's own progress, quiz
attempts and their refusals, checked by hand and against the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings

from yachay.accounts.models import User
from yachay.accounts.services import api_key_create
from yachay.cohorts.models import Enrollment
from yachay.cohorts.tests.test_cohorts_api import session_client
from yachay.conftest import bearer
from yachay.core.actors import SYSTEM, Actor
from yachay.intake.tests.test_api_schema import CHECKS, ignored_auth
from yachay.learning import services
from yachay.learning.models import QuizAttempt
from yachay.learning.tests.conftest import HALF, RIGHT, Learning
from yachay.wsgi import application

pytestmark = pytest.mark.django_db

ATTEMPTS = "/api/v1/courses/mini/quizzes/q1/attempts"


def key_for(user: User | None) -> dict[str, Any]:
    _key, raw = api_key_create(name="App", user=user, actor=SYSTEM)
    return bearer(raw)


def post_json(client: Client, url: str, body: Any, **headers: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **headers)


SECRET_KEYS = {"correct", "answer", "accept", "patterns", "feedback", "explanation", "quiz", "html"}


def secrets_in(value: Any) -> set[str]:
    """Keys anywhere in a JSON value that would give answers away."""
    found: set[str] = set()
    if isinstance(value, dict):
        found |= set(value) & SECRET_KEYS
        for v in value.values():
            found |= secrets_in(v)
    elif isinstance(value, list):
        for v in value:
            found |= secrets_in(v)
    return found


def test_a_learner_lists_the_courses_they_may_take(learning: Learning) -> None:
    client, _ = session_client(learning.learner)
    body = client.get("/api/v1/courses").json()
    assert body == [{"slug": "mini", "title": "Curso mini", "language": "es",
                     "summary": "Un curso corto.", "version": "1.0"}]  # fmt: skip


def test_users_who_may_take_no_course_get_an_empty_list(
    learning: Learning, users: dict[str, User]
) -> None:
    for user in (users["learner"], users["instructor"]):
        client, _ = session_client(user)
        response = client.get("/api/v1/courses")
        assert response.status_code == 200 and response.json() == []


def test_a_key_acting_as_the_learner_reads_the_same(learning: Learning) -> None:
    response = Client().get("/api/v1/courses", **key_for(learning.learner))
    assert response.status_code == 200 and response.json()[0]["slug"] == "mini"


def test_a_partner_key_without_a_user_and_anonymous_callers_are_refused(
    learning: Learning,
) -> None:
    partner = key_for(None)
    for url in ["/api/v1/courses", "/api/v1/courses/mini/outline",
                "/api/v1/courses/mini/progress"]:  # fmt: skip
        assert Client().get(url, **partner).status_code == 403, url
        assert Client().get(url).status_code == 401, url
    assert post_json(Client(), ATTEMPTS, {"answers": RIGHT}, **partner).status_code == 403
    assert post_json(Client(), ATTEMPTS, {"answers": RIGHT}).status_code == 401
    assert not QuizAttempt.objects.exists()


def test_the_outline_gives_modules_and_activities_and_never_answers(learning: Learning) -> None:
    client, _ = session_client(learning.learner)
    body = client.get("/api/v1/courses/mini/outline").json()
    assert body["course"]["slug"] == "mini"
    assert [m["id"] for m in body["modules"]] == ["m1", "m2"]
    assert body["modules"][0]["activities"] == [
        {"id": "l1", "kind": "lesson", "title": "Lección l1", "minutes": 5},
        {"id": "l2", "kind": "lesson", "title": "Lección l2", "minutes": 5},
        {"id": "q1", "kind": "quiz", "title": "Quiz 1", "minutes": None},
    ]
    assert body["modules"][1]["activities"][1]["kind"] == "final"
    assert secrets_in(body) == set()
    assert "Bien." not in json.dumps(body) and "Porque sí" not in json.dumps(body)


def test_unknown_courses_are_404_and_courses_not_taken_403(
    learning: Learning, users: dict[str, User]
) -> None:
    client, token = session_client(learning.learner)
    for url in ["/api/v1/courses/nada/outline", "/api/v1/courses/nada/progress"]:
        response = client.get(url)
        assert response.status_code == 404 and response.json()["detail"]
    stranger, stranger_token = session_client(users["learner"])
    for url in ["/api/v1/courses/mini/outline", "/api/v1/courses/mini/progress"]:
        response = stranger.get(url)
        assert response.status_code == 403 and response.json()["code"] == "not_enrolled"
    response = post_json(stranger, ATTEMPTS, {"answers": RIGHT}, HTTP_X_CSRFTOKEN=stranger_token)
    assert response.status_code == 403 and response.json()["code"] == "not_enrolled"
    response = post_json(client, "/api/v1/courses/nada/quizzes/q1/attempts", {"answers": RIGHT},
                         HTTP_X_CSRFTOKEN=token)  # fmt: skip
    assert response.status_code == 404
    assert not QuizAttempt.objects.exists()


def test_progress_says_what_is_done_the_best_scores_and_what_is_missing(
    learning: Learning,
) -> None:
    lr = learning
    services.lesson_complete(user=lr.learner, course=lr.course, activity_id="l1", actor=lr.actor)
    services.quiz_submit(user=lr.learner, course=lr.course, activity_id="q1", answers=HALF,
                         actor=lr.actor)  # fmt: skip
    client, _ = session_client(lr.learner)
    body = client.get("/api/v1/courses/mini/progress").json()
    assert (body["percent_done"], body["done"], body["total"]) == (20, 1, 5)
    assert body["next_activity"] == "l2"
    assert body["completed"] is False and body["completed_at"] is None
    by_id = {a["id"]: a for a in body["activities"]}
    assert by_id["l1"]["done"] is True and by_id["l1"]["last_at"]
    q1 = by_id["q1"]
    assert (q1["done"], q1["best_score"], q1["attempts_used"], q1["attempts_left"],
            q1["pass_mark"]) == (False, 50.0, 1, 1, 70)  # fmt: skip
    assert by_id["final"]["attempts_left"] is None  # unlimited
    missing = {(m["kind"], m["activity_id"]): m for m in body["missing"]}
    assert missing[("quiz", "q1")]["have"] == 50.0 and missing[("quiz", "q1")]["need"] == 70.0
    assert ("lesson", "l2") in missing and ("final", "final") in missing
    assert "Quiz 1" in body["missing_text"]
    assert secrets_in(body) == set()


def test_progress_gives_the_completion_date_once_complete(learning: Learning) -> None:
    lr = learning
    for lesson in ("l1", "l2", "l3"):
        services.lesson_complete(user=lr.learner, course=lr.course, activity_id=lesson,
                                 actor=lr.actor)  # fmt: skip
    for quiz in ("q1", "final"):
        services.quiz_submit(user=lr.learner, course=lr.course, activity_id=quiz, answers=RIGHT,
                             actor=lr.actor)  # fmt: skip
    body = session_client(lr.learner)[0].get("/api/v1/courses/mini/progress").json()
    assert body["completed"] is True and body["completed_at"]
    assert body["missing"] == [] and body["missing_text"] == ""
    assert body["percent_done"] == 100 and body["next_activity"] is None


def test_an_attempt_is_graded_and_answered_with_its_results(learning: Learning) -> None:
    client, token = session_client(learning.learner)
    response = post_json(client, ATTEMPTS, {"answers": {"s1": "b", "t1": True}},
                         HTTP_X_CSRFTOKEN=token)  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["quiz"], body["number"], body["score_percent"]) == ("q1", 1, 50.0)
    assert (body["pass_mark"], body["passed"], body["attempts_left"]) == (70, False, 1)
    assert body["results"]["s1"] == {"correct": False, "points": 0.0, "points_possible": 1,
                                     "answered": True, "feedback": ["No."],
                                     "explanation": "Porque sí."}  # fmt: skip
    assert body["results"]["t1"]["correct"] is True
    second = post_json(client, ATTEMPTS, {"answers": RIGHT}, HTTP_X_CSRFTOKEN=token).json()
    assert (second["number"], second["passed"], second["attempts_left"]) == (2, True, 0)


def test_an_attempt_through_the_session_needs_its_csrf_token(learning: Learning) -> None:
    client, _ = session_client(learning.learner)
    assert post_json(client, ATTEMPTS, {"answers": RIGHT}).status_code == 403
    assert not QuizAttempt.objects.exists()


def test_after_the_limit_an_attempt_is_a_409(learning: Learning) -> None:
    headers = key_for(learning.learner)
    for _ in range(2):
        assert post_json(Client(), ATTEMPTS, {"answers": HALF}, **headers).status_code == 201
    response = post_json(Client(), ATTEMPTS, {"answers": RIGHT}, **headers)
    assert response.status_code == 409 and response.json()["code"] == "no_attempts_left"
    assert QuizAttempt.objects.count() == 2


def test_tampered_and_malformed_answers_are_refused_in_words_and_record_nothing(
    learning: Learning,
) -> None:
    headers = key_for(learning.learner)
    for answers, question in [
        ({"s1": "zzz"}, "s1"),
        ({"s1": ["a"]}, "s1"),
        ({"t1": "true"}, "t1"),
        ({"nope": "a"}, "nope"),
        ({"s1": "a" * 5000}, "s1"),
    ]:
        response = post_json(Client(), ATTEMPTS, {"answers": answers}, **headers)
        assert response.status_code == 422, answers
        body = response.json()
        assert body["code"] == "invalid_answer" and body["detail"], answers
        assert body["question"] == question, answers
    for bad in ['{"answers": []}', '{"answers": {"s1": {"x": 1}}}', "[]", "no json", "{}",
                '{"answers": {"s1": 1e999}}']:  # fmt: skip
        response = post_json(Client(), ATTEMPTS, bad, **headers)
        assert response.status_code in (400, 422), (bad, response.status_code)
        assert response.json()
    assert not QuizAttempt.objects.exists()


@pytest.mark.parametrize(
    ("answers", "first"),
    [
        ({}, "s1"),
        ({"s1": None, "t1": None}, "s1"),
        ({"s1": "a"}, "t1"),
        ({"s1": " ", "t1": []}, "s1"),
    ],
)
def test_an_empty_or_half_answered_attempt_is_refused_records_nothing_and_reveals_nothing(
    learning: Learning, answers: dict[str, Any], first: str
) -> None:
    headers = key_for(learning.learner)
    response = post_json(Client(), ATTEMPTS, {"answers": answers}, **headers)
    body = response.json()
    assert response.status_code == 422 and body["code"] == "unanswered"
    assert body["question"] == first and "No se registró nada" in body["detail"]
    assert not secrets_in(body) and not QuizAttempt.objects.exists()
    progress = Client().get("/api/v1/courses/mini/progress", **headers).json()
    q1 = next(a for a in progress["activities"] if a["id"] == "q1")
    assert q1["attempts_used"] == 0 and q1["attempts_left"] == 2
    assert post_json(Client(), ATTEMPTS, {"answers": RIGHT}, **headers).json()["number"] == 1


def test_an_extra_attempt_given_by_the_instructor_counts_in_the_api(
    learning: Learning, users: dict[str, User]
) -> None:
    headers = key_for(learning.learner)
    for _ in range(2):
        assert post_json(Client(), ATTEMPTS, {"answers": HALF}, **headers).status_code == 201
    instructor = Actor.of_user(users["instructor"])
    services.quiz_attempt_grant(enrollment=learning.enrollment, course=learning.course,
                                activity_id="q1", actor=instructor)  # fmt: skip
    progress = Client().get("/api/v1/courses/mini/progress", **headers).json()
    assert next(a for a in progress["activities"] if a["id"] == "q1")["attempts_left"] == 1
    third = post_json(Client(), ATTEMPTS, {"answers": RIGHT}, **headers).json()
    assert (third["number"], third["attempts_left"], third["passed"]) == (3, 0, True)


def test_an_unknown_quiz_or_a_lesson_id_is_a_404(learning: Learning) -> None:
    headers = key_for(learning.learner)
    for quiz in ("q9", "l1", "ñandú"):
        response = post_json(Client(), f"/api/v1/courses/mini/quizzes/{quiz}/attempts",
                             {"answers": {}}, **headers)  # fmt: skip
        assert response.status_code == 404, quiz
        assert response.json()["code"] == "not_found"


def test_a_dropped_learner_is_refused(learning: Learning) -> None:
    Enrollment.objects.filter(pk=learning.enrollment.pk).update(status="dropped")
    headers = key_for(learning.learner)
    assert Client().get("/api/v1/courses", **headers).json() == []
    assert Client().get("/api/v1/courses/mini/progress", **headers).status_code == 403


# --- Against the OpenAPI document, as an enrolled learner --------------------------------------

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.include(tag="learning").parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_learning_answer_matches_the_openapi_document(
    case: Any, learning: Learning, _keep_the_test_connection: None
) -> None:
    # Aim at the learner's course and quiz: random ids only ever exercise the 404 answer.
    known = {"slug": "mini", "activity_id": "q1"}
    case.path_parameters = {k: known[k] for k in case.path_parameters or {}}
    _key, raw = api_key_create(name="App", user=learning.learner, actor=SYSTEM)
    headers = {"Authorization": f"Bearer {raw}", "Accept-Encoding": "identity"}
    # Not "ignored auth": it spoils the session cookie and keeps the key, which rightly still
    # works (either one is enough); test_a_partner_key_without_a_user... covers refusals.
    case.call_and_validate(headers=headers, checks=[c for c in CHECKS if c is not ignored_auth])
