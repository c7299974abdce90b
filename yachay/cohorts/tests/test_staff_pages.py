"""The instructor's pages: the session under way first, wide tables a keyboard can scroll,
a legend for the marks, names in Spanish alphabetical order, and the projector page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yachay.accounts.models import User
from yachay.cohorts import checkin
from yachay.cohorts.models import Attendance, Cohort, Enrollment, Session
from yachay.cohorts.services import Mark, attendance_mark
from yachay.cohorts.tests.conftest import Live, _enrol
from yachay.core.actors import Actor
from yachay.programs.models import Call

# Given name, surname: shuffled on purpose; the pages list them by surname, in Spanish order.
TRICKY = [
    "Zoila Sucasaca",
    "Diego Sánchez",
    "Ana Nuñez",
    "Luis Núñez",
    "Eva Nunez",
    "Inti Álvarez",
    "Rosa Chávez",
    "Raúl Chavez",
    "Sumaq de la Cruz",
    "Bernardo O'Higgins",
    "Kusi Ccori",
]
# With the fixture's Yupanqui Ñahui, Rosa Peña and Killa Mamani.
SPANISH_ORDER = [
    "Álvarez, Inti",
    "Ccori, Kusi",
    "Chavez, Raúl",
    "Chávez, Rosa",
    "de la Cruz, Sumaq",
    "Mamani, Killa",
    "Nunez, Eva",
    "Nuñez, Ana",
    "Núñez, Luis",
    "Ñahui, Yupanqui",
    "O'Higgins, Bernardo",
    "Peña, Rosa",
    "Sánchez, Diego",
    "Sucasaca, Zoila",
]


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def tricky(live: Live, call: Call) -> None:
    for i, name in enumerate(TRICKY, start=30):
        _enrol(call, i, "080101", live.cohort, name)


def row_names(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    names = re.findall(
        r'<th scope="row">(?:<label for="[^"]+">)?(?:<a href="[^"]+">)?([^<]+)<', body
    )
    return [n.replace("&#x27;", "'") for n in names]


def future_session(cohort: Cohort, days: int = 7) -> Session:
    start = timezone.now() + dt.timedelta(days=days)
    return Session.objects.create(
        cohort=cohort, topic="Prompts para tu negocio", starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )  # fmt: skip


# --- Spanish alphabetical order, everywhere a cohort's names are listed -------------------------


def test_the_cohort_page_lists_names_in_spanish_order(
    live: Live, users: dict[str, User], call: Call
) -> None:
    tricky(live, call)
    page = signed_in(users["instructor"]).get(f"/cohortes/{live.cohort.pk}/").content.decode()
    assert row_names(page) == SPANISH_ORDER


def test_the_session_page_lists_names_in_spanish_order(
    live: Live, users: dict[str, User], call: Call
) -> None:
    tricky(live, call)
    url = f"/cohortes/sesiones/{live.session.pk}/"
    page = signed_in(users["instructor"]).get(url).content.decode()
    assert row_names(page) == SPANISH_ORDER
    # Coordinators read the same list, without the form.
    page = signed_in(users["coordinator"]).get(url).content.decode()
    assert row_names(page) == SPANISH_ORDER and "<select" not in page


def test_the_roster_csv_is_in_spanish_order(live: Live, users: dict[str, User], call: Call) -> None:
    tricky(live, call)
    response = signed_in(users["instructor"]).get(f"/cohortes/sesiones/{live.session.pk}/lista.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    last, first = header.index("apellidos"), header.index("nombres")
    assert [f"{r[last]}, {r[first]}" for r in body] == SPANISH_ORDER


def test_the_api_roster_is_in_spanish_order(live: Live, users: dict[str, User], call: Call) -> None:
    tricky(live, call)
    roster = signed_in(users["instructor"]).get(f"/api/v1/cohorts/{live.cohort.pk}/roster").json()
    by_enrollment = {
        e.pk: e.application.listed_name
        for e in Enrollment.objects.select_related("application").filter(cohort=live.cohort)
    }
    assert [by_enrollment[r["enrollment_id"]] for r in roster["learners"]] == SPANISH_ORDER


# --- The cohort page ----------------------------------------------------------------------------


def test_the_session_under_way_is_highlighted_with_a_large_show_the_code_button(
    live: Live, users: dict[str, User]
) -> None:
    later = future_session(live.cohort)
    page = signed_in(users["instructor"]).get(f"/cohortes/{live.cohort.pk}/").content.decode()
    live_box = page.split('<section class="live"', 1)[1].split("</section>", 1)[0]
    assert "Qué es la IA" in live_box
    assert f'<a class="btn big" href="/cohortes/sesiones/{live.session.pk}/codigo/">' in live_box
    assert "Mostrar el código" in live_box
    sessions = page.split('<ul class="sessions">', 1)[1].split("</ul>", 1)[0]
    now, upcoming = sessions.split("</li>")[:2]
    assert now.startswith('\n<li class="now">') and f"/sesiones/{live.session.pk}/" in now
    assert 'class="now"' not in upcoming and f"/sesiones/{later.pk}/" in upcoming
    # In the grid, the column of the session under way is marked for the eye and in words.
    head = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert head.count('class="m now"') == 1 and "(ahora)" in head


def test_without_a_session_under_way_nothing_is_highlighted(
    live: Live, users: dict[str, User]
) -> None:
    Session.objects.filter(pk=live.session.pk).update(
        starts_at=live.session.starts_at - dt.timedelta(days=7),
        ends_at=live.session.ends_at - dt.timedelta(days=7),
    )
    page = signed_in(users["instructor"]).get(f"/cohortes/{live.cohort.pk}/").content.decode()
    assert 'class="live"' not in page and 'class="now"' not in page
    assert "/codigo/" not in page


def test_a_coordinator_sees_the_session_under_way_but_no_code_button(
    live: Live, users: dict[str, User]
) -> None:
    page = signed_in(users["coordinator"]).get(f"/cohortes/{live.cohort.pk}/").content.decode()
    assert '<section class="live"' in page and "/codigo/" not in page


def test_the_marks_have_a_legend_and_words_for_screen_readers(
    live: Live, users: dict[str, User]
) -> None:
    e0, e1, e2 = live.enrollments
    attendance_mark(
        session=live.session,
        marks=[Mark(e0.pk, "present"), Mark(e1.pk, "late"), Mark(e2.pk, "excused")],
        actor=Actor.of_user(users["instructor"]),
    )
    page = signed_in(users["instructor"]).get(f"/cohortes/{live.cohort.pk}/").content.decode()
    legend = page.split('<ul class="legend"', 1)[1].split("</ul>", 1)[0]
    found = re.findall(r'<span class="mk mk-(\w+)" aria-hidden="true">(\w)</span> (\w+)', legend)
    assert found == [
        ("present", "P", "presente"),
        ("late", "T", "tarde"),
        ("absent", "A", "ausente"),
        ("excused", "J", "justificado"),
    ]
    assert "sin marcar" in legend
    # Each mark in the grid is the legend's letter, and the status in words for a screen reader.
    body = page.split("<tbody>", 1)[1]
    assert (
        '<span class="mk mk-late" aria-hidden="true">T</span><span class="vh">tarde</span>' in body
    )


def test_wide_tables_scroll_in_a_named_region_reachable_by_keyboard(
    live: Live, users: dict[str, User]
) -> None:
    client = signed_in(users["instructor"])
    for url in (f"/cohortes/{live.cohort.pk}/", f"/cohortes/sesiones/{live.session.pk}/"):
        page = client.get(url).content.decode()
        region = re.search(
            r'<div class="scroll region[^"]*" tabindex="0" role="region" '
            r'aria-labelledby="([\w-]+)">',
            page,
        )
        assert region, url
        assert re.search(rf'<h2 id="{region.group(1)}">\w', page)  # its name is the heading
        assert '<body class="staff">' in page  # the wide layout
        assert 'th scope="row"' in page  # names head their rows (and stay in view)


def test_the_cohort_list_puts_the_session_under_way_first(
    live: Live, users: dict[str, User]
) -> None:
    page = signed_in(users["instructor"]).get("/cohortes/").content.decode()
    assert '<div class="live">' in page
    assert f'<a class="btn big" href="/cohortes/sesiones/{live.session.pk}/codigo/">' in page
    assert f"/cohortes/sesiones/{live.other_session.pk}/" not in page  # not their cohort
    page = signed_in(users["coordinator"]).get("/cohortes/").content.decode()
    assert '<div class="live">' in page and "/codigo/" not in page


def test_the_cohort_list_takes_the_same_queries_for_1_or_4_cohorts_under_way(
    live: Live, users: dict[str, User], call: Call
) -> None:
    client = signed_in(users["instructor"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/cohortes/").status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    for i in range(3):
        cohort = Cohort.objects.create(
            name=f"Cusco noche {i}", modality="in_person", department="08", slot="evening",
            capacity=30, call=call, track=live.cohort.track, starts_on=live.cohort.starts_on,
            ends_on=live.cohort.ends_on,
        )  # fmt: skip
        cohort.instructors.add(users["instructor"])
        Session.objects.create(
            cohort=cohort, topic=f"Sesión {i}", starts_at=live.session.starts_at,
            ends_at=live.session.ends_at,
        )  # fmt: skip
    assert queries() == before
    assert client.get("/cohortes/").content.decode().count('<div class="live">') == 4


# --- The projector ------------------------------------------------------------------------------


def code_now(session: Session) -> str:
    code = checkin.code_for(session.checkin_secret, checkin.period_of(time.time()))
    return f"{code[:3]} {code[3:]}"


def test_the_projector_page_shows_the_code_without_javascript_and_never_reloads_itself(
    live: Live, users: dict[str, User]
) -> None:
    url = f"/cohortes/sesiones/{live.session.pk}/codigo/"
    expected = code_now(live.session)
    response = signed_in(users["instructor"]).get(url)
    page = response.content.decode()
    if expected not in page:  # the period turned between the two lines
        expected = code_now(live.session)
    assert f'<p class="code" data-code aria-live="polite">{expected}</p>' in page
    assert "http-equiv" not in page.lower()  # no meta refresh
    # Without JavaScript: when the code changes, and a link that fetches the new one.
    when = re.search(r'<time datetime="[^"]+" data-changes-at>(\d\d:\d\d:\d\d)</time>', page)
    assert when
    assert f'<a class="btn" href="{url}">Actualizar el código</a>' in page
    # The script is a file (a strict CSP will forbid inline scripts); the button it shows
    # for full screen is hidden without it.
    assert re.search(r'<script src="/static/cohorts/projector[.\w]*js" defer></script>', page)
    assert "<script>" not in page
    assert re.search(r"<button [^>]*data-fullscreen[^>]*hidden>", page)
    assert '<svg role="img"' in page and "<title>" in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_projector_json_gives_the_current_code_and_qr(
    live: Live, users: dict[str, User]
) -> None:
    client = signed_in(users["instructor"])
    attendance_mark(
        session=live.session, marks=[Mark(live.enrollments[0].pk, "present")],
        actor=Actor.of_user(users["instructor"]),
    )  # fmt: skip
    expected = code_now(live.session)
    response = client.get(f"/cohortes/sesiones/{live.session.pk}/codigo.json")
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    now: dict[str, Any] = response.json()
    assert now["code"] in (expected, code_now(live.session))
    assert 0 < now["seconds_left"] <= checkin.PERIOD
    assert re.fullmatch(r"\d\d:\d\d:\d\d", now["changes_at"])
    assert now["qr_svg"].startswith('<svg role="img"') and "<script" not in now["qr_svg"]
    assert now["attended"] == 1 and now["attended_text"] == "1 participante registró su asistencia"


def test_the_projector_json_follows_the_rotation(
    live: Live, users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in(users["instructor"])
    url = f"/cohortes/sesiones/{live.session.pk}/codigo.json"
    clock = [1_800_000_000.0]
    monkeypatch.setattr("yachay.cohorts.views.time.time", lambda: clock[0])
    first = client.get(url).json()
    clock[0] += checkin.PERIOD
    second = client.get(url).json()
    expected = checkin.code_for(live.session.checkin_secret, checkin.period_of(clock[0]))
    assert second["code"].replace(" ", "") == expected != first["code"].replace(" ", "")


@pytest.mark.parametrize("suffix", ["codigo/", "codigo.json"])
def test_the_projector_is_for_those_who_take_attendance(
    live: Live, users: dict[str, User], suffix: str
) -> None:
    url = f"/cohortes/sesiones/{live.session.pk}/{suffix}"
    assert signed_in(users["instructor"]).get(url).status_code == 200
    assert signed_in(users["admin"]).get(url).status_code == 200
    assert signed_in(users["coordinator"]).get(url).status_code == 403  # reads, never marks
    assert signed_in(live.other_instructor).get(url).status_code == 403  # staff, not theirs
    assert signed_in(live.learners[0]).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/personal/entrar/" in anonymous["Location"]


def test_the_session_page_highlights_check_in_while_it_is_open(
    live: Live, users: dict[str, User]
) -> None:
    client = signed_in(users["instructor"])
    page = client.get(f"/cohortes/sesiones/{live.session.pk}/").content.decode()
    assert '<div class="live">' in page and 'class="btn big"' in page
    later = future_session(live.cohort)
    page = client.get(f"/cohortes/sesiones/{later.pk}/").content.decode()
    assert '<div class="live">' not in page and '<div class="box">' in page
    assert f"/cohortes/sesiones/{later.pk}/codigo/" in page  # still there, not highlighted
    assert Attendance.objects.count() == 0


def test_the_cohort_admin_offers_staff_as_instructors_and_departments_by_name(
    live: Live, users: dict[str, User]
) -> None:
    client = Client()
    client.force_login(users["admin"])
    html = client.get(f"/admin/cohorts/cohort/{live.cohort.pk}/change/").content.decode()
    assert users["instructor"].username in html
    assert (
        f">{users['learner'].username}" not in html and users["learner"].username + ")" not in html
    )
    assert '<option value="08" selected>Cusco</option>' in html
