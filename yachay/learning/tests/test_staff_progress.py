"""A cohort's progress for its staff: the table, sorting without JavaScript, where learners are
stuck, the CSV export, and who may see which cohort."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yachay.accounts.models import Role, User
from yachay.accounts.services import user_create
from yachay.cohorts.models import Cohort, Enrollment
from yachay.core.actors import SYSTEM
from yachay.learning import services
from yachay.learning.models import Completion
from yachay.learning.tests.conftest import HALF, RIGHT, Learning
from yachay.programs.models import Track
from yachay.selection.tests.test_selection_runs import submit

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(cohort: Cohort, suffix: str = "/") -> str:
    return f"/cohortes/{cohort.pk}/progreso{suffix}"


def progress_made(lr: Learning) -> None:
    """Yupanqui: everything (completed); Rosa: l1 and q1 at 50 %; Killa: nothing."""
    first, second, _third = lr.live.learners
    for lesson in ("l1", "l2", "l3"):
        services.lesson_complete(user=first, course=lr.course, activity_id=lesson, actor=SYSTEM)
    for quiz in ("q1", "final"):
        services.quiz_submit(user=first, course=lr.course, activity_id=quiz, answers=RIGHT,
                             actor=SYSTEM)  # fmt: skip
    services.lesson_complete(user=second, course=lr.course, activity_id="l1", actor=SYSTEM)
    services.quiz_submit(user=second, course=lr.course, activity_id="q1", answers=HALF,
                         actor=SYSTEM)  # fmt: skip


def names_in_order(page: str) -> list[str]:
    body = page.split('<table class="grid progress">', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<tr><th scope="row">([^<]+)</th>', body)


def test_the_instructor_sees_each_learners_progress(
    learning: Learning, users: dict[str, User]
) -> None:
    progress_made(learning)
    response = signed_in(users["instructor"]).get(url(learning.live.cohort))
    assert response.status_code == 200
    page = response.content.decode()
    # By surname, in Spanish alphabetical order: Ñ comes after N, before O and P.
    assert names_in_order(page) == ["Mamani, Killa", "Ñahui, Yupanqui", "Peña, Rosa"]
    yupanqui = page.split('<tr><th scope="row">Ñahui, Yupanqui</th>', 1)[1].split("</tr>", 1)[0]
    assert '<td class="n">100 %</td><td class="n">3/3</td>' in yupanqui
    completed = Completion.objects.get(user=learning.live.learners[0]).completed_at
    assert f"{completed:%Y}" in yupanqui and "✓" in yupanqui
    rosa = page.split('<tr><th scope="row">Peña, Rosa</th>', 1)[1].split("</tr>", 1)[0]
    assert '<td class="n">20 %</td><td class="n">1/3</td><td class="n">50 %</td>' in rosa
    assert "Lección l2" in rosa  # stuck at her first activity not done
    # The quiz columns are named, with a legend.
    assert "C1" in page and "Quiz 1" in page


def test_where_learners_are_stuck_counts_each_ones_first_activity_not_done(
    learning: Learning, users: dict[str, User]
) -> None:
    progress_made(learning)
    page = signed_in(users["instructor"]).get(url(learning.live.cohort)).content.decode()
    stuck = page.split('<table class="stuck">', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", stuck) == [
        ("Lección l1", "1"), ("Lección l2", "1"),
    ]  # fmt: skip
    assert re.search(r"<p>1 \w", page.split("<h2>", 2)[1])  # one learner did everything


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("percent", ["Mamani, Killa", "Peña, Rosa", "Ñahui, Yupanqui"]),
        ("-percent", ["Ñahui, Yupanqui", "Peña, Rosa", "Mamani, Killa"]),
        ("-name", ["Peña, Rosa", "Ñahui, Yupanqui", "Mamani, Killa"]),
        ("-quiz-q1", ["Ñahui, Yupanqui", "Peña, Rosa", "Mamani, Killa"]),
        ("quiz-q1", ["Mamani, Killa", "Peña, Rosa", "Ñahui, Yupanqui"]),
        ("-lessons", ["Ñahui, Yupanqui", "Peña, Rosa", "Mamani, Killa"]),
        ("-completed", ["Ñahui, Yupanqui", "Mamani, Killa", "Peña, Rosa"]),
        ("last", ["Mamani, Killa", "Ñahui, Yupanqui", "Peña, Rosa"]),  # Rosa acted last
        ("-stuck", ["Ñahui, Yupanqui", "Peña, Rosa", "Mamani, Killa"]),
        # Unknown keys are ignored: the roster's order.
        ("nope", ["Mamani, Killa", "Ñahui, Yupanqui", "Peña, Rosa"]),
        ("--percent", ["Mamani, Killa", "Ñahui, Yupanqui", "Peña, Rosa"]),
        ("quiz-", ["Mamani, Killa", "Ñahui, Yupanqui", "Peña, Rosa"]),
        ("<script>", ["Mamani, Killa", "Ñahui, Yupanqui", "Peña, Rosa"]),
    ],
)
def test_any_column_sorts_on_the_server_from_its_heading_link(
    learning: Learning, users: dict[str, User], order: str, expected: list[str]
) -> None:
    progress_made(learning)
    response = signed_in(users["instructor"]).get(url(learning.live.cohort), {"orden": order})
    assert response.status_code == 200
    page = response.content.decode()
    assert names_in_order(page) == expected
    assert "<script>" not in page.split("<main>")[1]


def test_the_sorted_column_says_so_and_its_link_reverses_it(
    learning: Learning, users: dict[str, User]
) -> None:
    client = signed_in(users["instructor"])
    page = client.get(url(learning.live.cohort)).content.decode()
    assert '<th scope="col" aria-sort="ascending"><a href="?orden=-name">' in page
    assert 'href="?orden=percent"' in page and 'href="?orden=quiz-final"' in page
    page = client.get(url(learning.live.cohort), {"orden": "percent"}).content.decode()
    assert 'aria-sort="ascending"><a href="?orden=-percent">' in page
    assert 'href="?orden=name"' in page
    page = client.get(url(learning.live.cohort), {"orden": "-percent"}).content.decode()
    assert 'aria-sort="descending"><a href="?orden=percent">' in page
    assert 'progreso.csv?orden=-percent"' in page  # the export keeps the order


def test_the_csv_export_has_a_bom_every_column_and_guards_formulas(
    learning: Learning, users: dict[str, User]
) -> None:
    progress_made(learning)
    app = learning.live.enrollments[2].application
    app.paternal_surname = '=HYPERLINK("http://x")'
    app.save()
    response = signed_in(users["instructor"]).get(url(learning.live.cohort, ".csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"progreso-cohorte-{learning.live.cohort.pk}.csv" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 4 and len(rows[0]) == 10  # 5 fixed, 2 quizzes, 3 at the end
    assert rows[0][5:7] == ["Quiz 1", "Final"]
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Peña, Rosa"][2:7] == ["20", "1", "3", "50", ""]
    assert by_name["Peña, Rosa"][9] == "Lección l2"
    yupanqui = by_name["Ñahui, Yupanqui"]
    assert yupanqui[5:7] == ["100", "100"] and yupanqui[7] and yupanqui[9] == ""
    assert yupanqui[0] == learning.live.enrollments[0].application.reference
    assert '\'=HYPERLINK("http://x"), Killa' in by_name  # guarded, shown as text


def test_the_csv_follows_the_pages_order(learning: Learning, users: dict[str, User]) -> None:
    progress_made(learning)
    response = signed_in(users["instructor"]).get(
        url(learning.live.cohort, ".csv"), {"orden": "-percent"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["Ñahui, Yupanqui", "Peña, Rosa", "Mamani, Killa"]


# --- Who may see which cohort ------------------------------------------------------------------


def test_another_instructors_cohort_is_refused_never_shown(
    learning: Learning, users: dict[str, User]
) -> None:
    mine = signed_in(users["instructor"])
    for suffix in ("/", ".csv"):
        assert mine.get(url(learning.live.other, suffix)).status_code == 403
        assert mine.get(f"/cohortes/999999/progreso{suffix}").status_code == 404
    theirs = signed_in(learning.live.other_instructor)
    assert theirs.get(url(learning.live.cohort)).status_code == 403
    assert theirs.get(url(learning.live.other)).status_code == 200


def test_learners_and_anonymous_users_get_no_progress_pages(
    learning: Learning, users: dict[str, User]
) -> None:
    for user in (learning.learner, users["learner"]):
        for suffix in ("/", ".csv"):
            assert signed_in(user).get(url(learning.live.cohort, suffix)).status_code == 404
    response = Client().get(url(learning.live.cohort))
    assert response.status_code == 302 and response["Location"].startswith("/personal/entrar/")


def test_admins_see_every_cohort_and_coordinators_their_departments(
    learning: Learning, users: dict[str, User]
) -> None:
    admin = signed_in(users["admin"])
    assert admin.get(url(learning.live.cohort)).status_code == 200
    assert admin.get(url(learning.live.other)).status_code == 200
    coordinator = signed_in(users["coordinator"])  # Cusco (08) and Puno (21)
    assert coordinator.get(url(learning.live.cohort)).status_code == 200  # held in Cusco
    assert coordinator.get(url(learning.live.other)).status_code == 403  # virtual, Lima only


def test_a_coordinator_sees_only_their_departments_learners_in_a_virtual_cohort(
    learning: Learning, users: dict[str, User]
) -> None:
    other = learning.live.other
    user = user_create(username="cusquena", role=Role.LEARNER, actor=SYSTEM)
    app = submit(other.call, 60, "female", "080101", "entrepreneur", None)
    app.given_names, app.paternal_surname = "Sumaq", "Quispe"
    app.save()
    Enrollment.objects.create(application=app, user=user, cohort=other, status="active")
    page = signed_in(users["coordinator"]).get(url(other)).content.decode()
    assert names_in_order(page) == ["Quispe, Sumaq"]  # not Pedro Ríos, from Lima
    csv_body = signed_in(users["coordinator"]).get(url(other, ".csv")).content.decode()
    assert "Sumaq" in csv_body and "Pedro" not in csv_body
    # The stuck summary counts the same learners: one, stuck at the first lesson.
    stuck = page.split('<table class="stuck">', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<td>(\d+)</td>", stuck) == ["1"]


def test_dropped_learners_are_left_out(learning: Learning, users: dict[str, User]) -> None:
    Enrollment.objects.filter(pk=learning.live.enrollments[1].pk).update(status="dropped")
    page = signed_in(users["instructor"]).get(url(learning.live.cohort)).content.decode()
    assert names_in_order(page) == ["Mamani, Killa", "Ñahui, Yupanqui"]


def test_a_cohort_whose_track_has_no_course_says_so(
    learning: Learning, users: dict[str, User]
) -> None:
    track = Track.objects.create(program=learning.live.cohort.call.program, name="X", slug="x")
    Cohort.objects.filter(pk=learning.live.cohort.pk).update(track=track)
    client = signed_in(users["instructor"])
    response = client.get(url(learning.live.cohort))
    assert response.status_code == 200 and "<table" not in response.content.decode()
    rows = list(csv.reader(io.StringIO(client.get(url(learning.live.cohort, ".csv"))
                                       .content.decode("utf-8-sig"))))  # fmt: skip
    assert len(rows) == 1


def test_the_cohort_page_links_to_its_progress(learning: Learning, users: dict[str, User]) -> None:
    page = signed_in(users["instructor"]).get(f"/cohortes/{learning.live.cohort.pk}/")
    assert f'href="/cohortes/{learning.live.cohort.pk}/progreso/"' in page.content.decode()


# --- Query counts ------------------------------------------------------------------------------


def count(client: Client, path: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(captured)


def test_the_progress_page_and_csv_take_the_same_queries_for_3_or_30_learners(
    learning: Learning, users: dict[str, User]
) -> None:
    cohort, course = learning.live.cohort, learning.course
    client = signed_in(users["instructor"])
    progress_made(learning)
    few = [count(client, url(cohort)), count(client, url(cohort), orden="-quiz-q1"),
           count(client, url(cohort, ".csv"))]  # fmt: skip
    for i in range(100, 127):
        user = user_create(username=f"mas{i}", role=Role.LEARNER, actor=SYSTEM)
        app = submit(cohort.call, i, "female", "080101", "entrepreneur", None)
        Enrollment.objects.create(application=app, user=user, cohort=cohort, status="active")
        services.lesson_complete(user=user, course=course, activity_id="l1", actor=SYSTEM)
        services.quiz_submit(user=user, course=course, activity_id="q1", answers=HALF,
                             actor=SYSTEM)  # fmt: skip
    many = [count(client, url(cohort)), count(client, url(cohort), orden="-quiz-q1"),
            count(client, url(cohort, ".csv"))]  # fmt: skip
    assert few == many
    # Session, user, cohort, roster, course, activities, lessons, attempts, extra attempts,
    # completions.
    assert few == [10, 10, 10]
