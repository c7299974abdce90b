"""The program's home and the cohorts page per role: what each sees, what each is refused,
fixed query counts, charts with their text alternatives, no inline styles."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yachay.accounts.models import User
from yachay.reports.tests.conftest import World


def _get(client: Client, user: User, url: str, **params: Any) -> Any:
    client.force_login(user)
    return client.get(url, params)


def test_the_admin_sees_the_whole_funnel_with_charts_and_tables(
    client: Client, world: World, users: dict[str, User]
) -> None:
    r = _get(client, users["admin"], "/informes/", call=world.call.pk, by="gender")
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count("<svg") == 4  # funnel, breakdown, weeks, map
    assert html.count('role="img"') == 4
    assert "<title" in html and "<desc" in html  # the charts' text alternatives
    assert "Lima Metropolitana" in html  # the map's table
    assert "Cusco" in html
    assert 'style="' not in html  # the strict CSP: no inline styles
    assert r["Cache-Control"].startswith("private") or "no-store" in r["Cache-Control"]


def test_the_page_opens_on_the_newest_call_with_a_published_selection(
    client: Client, world: World, users: dict[str, User]
) -> None:
    r = _get(client, users["admin"], "/informes/")
    assert r.status_code == 200
    assert world.call.title in r.content.decode()


def test_a_coordinator_sees_only_their_departments(
    client: Client, world: World, users: dict[str, User]
) -> None:
    r = _get(client, users["coordinator"], "/informes/", call=world.call.pk, by="department")
    html = r.content.decode()
    assert r.status_code == 200
    # The funnel table's first row: 4 applied (0, 1, 4, 8), not the call's 9.
    funnel = html[html.index('id="funnel"') : html.index('id="breakdown"')]
    assert re.search(r"<td class=\"n\">4</td>", funnel)
    assert not re.search(r"<td class=\"n\">9</td>", funnel)
    # The department choices are theirs only.
    select = html[
        html.index('name="region"') : html.index("</select>", html.index('name="region"'))
    ]
    assert "Cusco" in select and "Puno" in select and "Callao" not in select


@pytest.mark.parametrize("region", ["15M", "07", "03"])
def test_a_coordinator_asking_for_another_department_is_refused_in_words(
    client: Client, world: World, users: dict[str, User], region: str
) -> None:
    r = _get(client, users["coordinator"], "/informes/", call=world.call.pk, region=region)
    assert r.status_code == 403
    html = r.content.decode()
    assert "No sigues este departamento" in html
    assert "<svg" not in html  # no figures at all


def test_an_instructor_sees_their_cohorts_learners_only(
    client: Client, world: World, users: dict[str, User]
) -> None:
    r = _get(client, users["instructor"], "/informes/cohortes/", call=world.call.pk)
    html = r.content.decode()
    assert r.status_code == 200
    assert "Cusco tarde" in html
    assert "Virtual noche" not in html  # another instructor's cohort
    assert "otro.instr" not in html


def test_learners_and_strangers_have_no_reports(
    client: Client, world: World, users: dict[str, User]
) -> None:
    assert _get(client, users["learner"], "/informes/").status_code == 404
    client.logout()
    r = client.get("/informes/")
    assert r.status_code == 302 and "/entrar" in r["Location"]


@pytest.mark.parametrize(
    "params",
    [
        {"call": "999999"},
        {"call": "abc"},
        {"by": "'; drop table reports--"},
        {"region": "99"},
        {"region": "Ñuñoa\x00"},
        {"since": "0001-01-01"},
        {"since": "3000-01-01"},
        {"since": "2027-05-01", "until": "2027-01-01"},
        {"until": "not a date"},
        {"measure": "<script>"},
    ],
)
def test_bad_filters_get_a_clear_answer_never_a_500(
    client: Client, world: World, users: dict[str, User], params: dict[str, str]
) -> None:
    r = _get(client, users["admin"], "/informes/", **params)
    assert r.status_code == 400
    html = r.content.decode()
    if not any("\x00" in v for v in params.values()):  # NUL: the site's own 400 page
        assert 'class="err"' in html
    assert "<svg" not in html
    assert "<script>" not in html


def test_a_huge_page_number_shows_the_last_page(
    client: Client, world: World, users: dict[str, User]
) -> None:
    r = _get(client, users["admin"], "/informes/cohortes/", call=world.call.pk, page="99999999999")
    assert r.status_code == 200
    assert "Cusco tarde" in r.content.decode()


def test_the_cohorts_page_shows_attendance_completion_and_stops(
    client: Client, world: World, users: dict[str, User]
) -> None:
    r = _get(client, users["admin"], "/informes/cohortes/", call=world.call.pk)
    html = r.content.decode()
    assert "Cusco tarde" in html and "Virtual noche" in html
    assert "ines.instr" in html and "otro.instr" in html


def _queries(client: Client, url: str, params: dict[str, Any]) -> int:
    client.get(url, params)  # warm the session
    with CaptureQueriesContext(connection) as q:
        r = client.get(url, params)
    assert r.status_code == 200
    # Reads only: PostgreSQL adds a savepoint and SET LOCAL jit per report (no rows).
    return sum(
        1
        for x in q.captured_queries
        if not x["sql"].lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "SET"))
    )


def _more_learners(world: World, n: int) -> None:
    from yachay.accounts.models import Role
    from yachay.accounts.services import user_create
    from yachay.cohorts.models import Enrollment
    from yachay.core.actors import SYSTEM
    from yachay.learning.models import LessonProgress
    from yachay.selection.models import Decision
    from yachay.selection.tests.test_selection_runs import submit

    run = Decision.objects.first().run  # type: ignore[union-attr]
    for i in range(100, 100 + n):
        app = submit(world.call, i, "female", "080101", "entrepreneur", None)
        Decision.objects.create(run=run, application=app, outcome="admitted")
        user = user_create(username=f"m{i}", role=Role.LEARNER, actor=SYSTEM)
        Enrollment.objects.create(
            application=app, user=user, cohort=world.cohort_a, status="active"
        )
        LessonProgress.objects.create(user=user, course=world.course, activity_id="l1")


@pytest.mark.parametrize("role", ["admin", "coordinator", "instructor"])
@pytest.mark.parametrize("page", ["/informes/", "/informes/cohortes/"])
def test_the_pages_run_a_fixed_number_of_queries_whatever_the_learners(
    client: Client, world: World, users: dict[str, User], role: str, page: str
) -> None:
    client.force_login(users[role])
    params = {"call": world.call.pk, "by": "gender"}
    before = _queries(client, page, params)
    _more_learners(world, 6)
    assert _queries(client, page, params) == before
    assert before <= {"/informes/": 17, "/informes/cohortes/": 12}[page]


def test_the_quality_page_is_the_program_offices(
    client: Client, world: World, users: dict[str, User]
) -> None:
    assert _get(client, users["admin"], "/informes/calidad/").status_code == 200
    assert _get(client, users["coordinator"], "/informes/calidad/").status_code == 403
    assert _get(client, users["instructor"], "/informes/calidad/").status_code == 403
    assert _get(client, users["admin"], "/informes/calidad/", course="nope").status_code == 400
