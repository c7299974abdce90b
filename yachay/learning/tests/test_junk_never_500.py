"""Junk posted to every learner and staff form: a clear 4xx or the form again, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yachay.accounts.models import User
from yachay.learning.tests.conftest import Learning

JUNK: list[dict[str, Any]] = [
    {},
    {"_attempt": "abc"},
    {"_attempt": "-1", "q.s1": ["a", "b", "zz"]},
    {"_attempt": "99999999999999999999", "q.n1": "1e309"},
    {"q.t1": "x" * 100_000},
    {"q.ord.x": "<script>", "q.ord.y": "0", "q.ord.z": "-5"},
    {"q.s1": "'; DROP TABLE learning_quizattempt; --", "q.m1": "\x00"},
    {"code": "Ñ" * 50, "via": "qr" * 100},
    {"roster": "not a file", "e1": "present"},
]


@pytest.mark.parametrize("data", JUNK)
def test_learner_and_staff_forms_answer_junk_without_a_server_error(
    learning: Learning, users: dict[str, User], data: dict[str, Any]
) -> None:
    learner, instructor = Client(), Client()
    learner.force_login(learning.learner)
    instructor.force_login(users["instructor"])
    slug = learning.course.slug
    session = learning.live.session.pk
    for client, url in [
        (learner, f"/aprender/{slug}/cuestionario/q1/"),
        (learner, f"/aprender/{slug}/cuestionario/final/"),
        (learner, f"/aprender/{slug}/leccion/l1/"),
        (learner, f"/aprender/{slug}/leccion/no-existe/"),
        (learner, f"/asistencia/{session}/"),
        (instructor, f"/cohortes/sesiones/{session}/"),
        (instructor, f"/cohortes/{learning.live.cohort.pk}/progreso/?orden={data.get('code', '')}"),
    ]:
        response = client.post(url, data)
        assert response.status_code < 500, (url, data, response.status_code)
