"""A learner who used every attempt at a quiz without passing is told so and what to do, and
their instructor (or a coordinator or program admin in scope) can give them one more."""

from __future__ import annotations

import pytest
from django.test import Client

from yachay.accounts.models import Role, User
from yachay.accounts.services import user_create
from yachay.core.actors import SYSTEM, Actor
from yachay.core.models import AuditEvent
from yachay.learning import selectors, services
from yachay.learning.models import QuizAttempt, QuizAttemptGrant
from yachay.learning.services import LearningRefused
from yachay.learning.tests.conftest import HALF, RIGHT, Learning

pytestmark = pytest.mark.django_db

QUIZ = "/aprender/mini/cuestionario/q1/"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def use_up(lr: Learning, user: User | None = None) -> None:
    """Both attempts at q1 (max 2), at 50 % (the pass mark is 70)."""
    for _ in range(2):
        services.quiz_submit(user=user or lr.learner, course=lr.course, activity_id="q1",
                             answers=HALF, actor=SYSTEM)  # fmt: skip


def grant(lr: Learning, staff: User, enrollment: int = 0) -> QuizAttemptGrant:
    return services.quiz_attempt_grant(
        enrollment=lr.live.enrollments[enrollment],
        course=lr.course,
        activity_id="q1",
        actor=Actor.of_user(staff),
    )


def progress_url(lr: Learning) -> str:
    return f"/cohortes/{lr.live.cohort.pk}/progreso/"


def grant_url(lr: Learning) -> str:
    return f"/cohortes/{lr.live.cohort.pk}/progreso/otro-intento/"


def test_my_learning_the_outline_and_the_quiz_say_the_attempts_are_used_up_and_what_to_do(
    learning: Learning,
) -> None:
    use_up(learning)
    client = signed_in(learning.learner)
    for path in ("/aprender/", "/aprender/mini/", QUIZ, f"{QUIZ}resultado/"):
        page = client.get(path).content.decode()
        assert "Usaste todos tus intentos (2)" in page, path
        assert "sin llegar a 70 %" in page, path
        assert "pide a tu instructora o instructor otro intento" in page, path
    quiz = client.get(QUIZ).content.decode()
    assert "Enviar mis respuestas" not in quiz  # no form to send


def test_the_instructor_gives_another_attempt_from_the_progress_page_and_it_is_audited(
    learning: Learning, users: dict[str, User]
) -> None:
    use_up(learning)
    staff = signed_in(users["instructor"])
    page = staff.get(progress_url(learning)).content.decode()
    assert page.count("Dar otro intento<span") == 1 and "sin intentos" in page
    enrollment = learning.live.enrollments[0]
    r = staff.post(grant_url(learning), {"inscripcion": enrollment.pk, "cuestionario": "q1",
                                          "orden": "-percent"})  # fmt: skip
    assert r.status_code == 302 and r["Location"].endswith("/progreso/?orden=-percent")
    after = staff.get(r["Location"]).content.decode()
    assert "Yupanqui Ñahui ya puede hacer un intento más en «Quiz 1»" in after
    assert "Dar otro intento<span" not in after
    event = AuditEvent.objects.get(action="quiz.grant_attempt")
    assert event.actor_label == f"user:{users['instructor'].pk}"
    assert event.changes["attempts_allowed"] == [2, 3]
    assert QuizAttemptGrant.objects.get().granted_by == users["instructor"]

    learner = signed_in(learning.learner)
    quiz = learner.get(QUIZ).content.decode()
    assert "Intentos usados: 2 de 3." in quiz and "Enviar mis respuestas" in quiz
    assert "Usaste todos tus intentos" not in learner.get("/aprender/").content.decode()
    attempt = services.quiz_submit(user=learning.learner, course=learning.course,
                                   activity_id="q1", answers=RIGHT, actor=SYSTEM)  # fmt: skip
    assert attempt.number == 3


def test_a_second_press_gives_nothing_more_and_the_fourth_attempt_is_refused(
    learning: Learning, users: dict[str, User]
) -> None:
    use_up(learning)
    grant(learning, users["instructor"])
    with pytest.raises(LearningRefused) as again:
        grant(learning, users["instructor"])
    assert (again.value.code, again.value.status) == ("attempts_left", 409)
    staff = signed_in(users["instructor"])
    r = staff.post(grant_url(learning), {"inscripcion": learning.live.enrollments[0].pk,
                                          "cuestionario": "q1"}, follow=True)  # fmt: skip
    assert "aún tiene 1 intento" in r.content.decode()
    assert QuizAttemptGrant.objects.count() == 1
    services.quiz_submit(user=learning.learner, course=learning.course, activity_id="q1",
                         answers=HALF, actor=SYSTEM)  # fmt: skip
    with pytest.raises(LearningRefused) as done:
        services.quiz_submit(user=learning.learner, course=learning.course, activity_id="q1",
                             answers=HALF, actor=SYSTEM)  # fmt: skip
    assert done.value.code == "no_attempts_left" and QuizAttempt.objects.count() == 3


def test_coordinators_of_the_learners_department_and_program_admins_may_give_one(
    learning: Learning, users: dict[str, User]
) -> None:
    use_up(learning)
    grant(learning, users["coordinator"])  # Cusco and Puno: the cohort is in Cusco
    use_up(learning, learning.live.learners[1])
    lima = user_create(username="lima.coord", role=Role.COORDINATOR, departments=["15"],
                       actor=SYSTEM)  # fmt: skip
    grant(learning, lima, enrollment=1)  # Rosa is from Lima
    use_up(learning, learning.live.learners[2])
    grant(learning, users["admin"], enrollment=2)
    assert QuizAttemptGrant.objects.count() == 3


def test_staff_outside_the_learners_scope_get_a_404_and_nothing_is_written(
    learning: Learning, users: dict[str, User]
) -> None:
    use_up(learning)
    lima = user_create(username="lima.coord", role=Role.COORDINATOR, departments=["15"],
                       actor=SYSTEM)  # fmt: skip
    apurimac = user_create(username="apu.coord", role=Role.COORDINATOR, departments=["03"],
                           actor=SYSTEM)  # fmt: skip
    data = {"inscripcion": learning.live.enrollments[0].pk, "cuestionario": "q1"}
    for outsider in (learning.live.other_instructor, lima, apurimac, users["learner"],
                     learning.live.learners[1]):  # fmt: skip
        assert signed_in(outsider).post(grant_url(learning), data).status_code == 404, outsider
        with pytest.raises(LearningRefused) as refused:
            grant(learning, outsider)
        assert refused.value.status == 404
    assert Client().post(grant_url(learning), data).status_code == 302  # to sign in
    assert signed_in(users["instructor"]).get(grant_url(learning)).status_code == 405
    assert QuizAttemptGrant.objects.count() == 0
    assert not AuditEvent.objects.filter(action="quiz.grant_attempt").exists()


@pytest.mark.parametrize(
    "data",
    [
        {"inscripcion": "x", "cuestionario": "q1"},
        {"inscripcion": "99999999", "cuestionario": "q1"},
        {"cuestionario": "q1"},
    ],
)
def test_a_broken_grant_form_is_a_404_never_a_500(
    learning: Learning, users: dict[str, User], data: dict[str, str]
) -> None:
    assert signed_in(users["instructor"]).post(grant_url(learning), data).status_code == 404


def test_a_quiz_without_a_limit_or_unknown_cannot_get_an_extra_attempt(
    learning: Learning, users: dict[str, User]
) -> None:
    enrollment = learning.live.enrollments[0]
    staff = signed_in(users["instructor"])
    unlimited = staff.post(grant_url(learning), {"inscripcion": enrollment.pk,
                                                 "cuestionario": "final"}, follow=True)  # fmt: skip
    assert "no tiene límite de intentos" in unlimited.content.decode()
    unknown = {"inscripcion": enrollment.pk, "cuestionario": "nada"}
    assert staff.post(grant_url(learning), unknown).status_code == 404
    assert QuizAttemptGrant.objects.count() == 0


def test_the_progress_selector_marks_only_learners_out_of_attempts(
    learning: Learning, users: dict[str, User]
) -> None:
    use_up(learning)
    services.quiz_submit(user=learning.live.learners[1], course=learning.course,
                         activity_id="q1", answers=HALF, actor=SYSTEM)  # fmt: skip
    progress = selectors.cohort_progress(learning.live.cohort)
    assert progress is not None
    marks = {p.user.pk: p.out_of_attempts for p in progress.learners}
    assert marks[learning.learner.pk] == frozenset({"q1"})
    assert marks[learning.live.learners[1].pk] == frozenset()
    grant(learning, users["instructor"])
    progress = selectors.cohort_progress(learning.live.cohort)
    assert progress is not None
    assert all(not p.out_of_attempts for p in progress.learners)


def test_program_admins_read_the_extra_attempts_in_the_admin_and_cannot_add_one_there(
    learning: Learning, users: dict[str, User]
) -> None:
    use_up(learning)
    grant(learning, users["instructor"])
    admin = signed_in(users["admin"])
    page = admin.get("/admin/learning/quizattemptgrant/")
    assert page.status_code == 200 and "ines.instr" in page.content.decode()
    assert admin.get("/admin/learning/quizattemptgrant/add/").status_code == 403
