"""Each staff role lands on its own home after signing in: the instructor's cohorts and
today's sessions, the coordinator's departments, the program office's calls, selection runs,
cohorts and what needs attention today. Every home is scoped to the person and runs a fixed
number of queries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yachay.accounts.models import Role, User
from yachay.accounts.services import user_create
from yachay.cohorts.models import Cohort, Enrollment, Session
from yachay.cohorts.tests.conftest import Live
from yachay.core.actors import SYSTEM
from yachay.programs.models import Call
from yachay.selection.models import Offer
from yachay.selection.tests.test_offers import published  # noqa: F401  (fixture)
from yachay.selection.tests.test_selection_runs import closed_call  # noqa: F401  (fixture)

# Queries of a home page beyond its own reads: session, user (2). Pinned so a home never
# grows with the number of cohorts, sessions, calls or applications.
QUERIES = {"instructor": 4, "coordinator": 8, "admin": 10}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    """The page's visible words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def more_rows(live: Live, users: dict[str, User], n: int = 3) -> None:
    """More cohorts (each with a session today) for the same instructor, in Cusco."""
    now = timezone.now()
    for i in range(n):
        c = Cohort.objects.create(
            call=live.cohort.call, track=live.cohort.track, name=f"Cusco extra {i}",
            modality="in_person", department="08", slot="evening", capacity=20,
            starts_on=live.cohort.starts_on, ends_on=live.cohort.ends_on,
        )  # fmt: skip
        c.instructors.add(users["instructor"])
        Session.objects.create(
            cohort=c, topic=f"Tema {i}", starts_at=now + dt.timedelta(minutes=1),
            ends_at=now + dt.timedelta(minutes=90),
        )  # fmt: skip


# --- Instructor ----------------------------------------------------------------------------


def test_an_instructor_sees_their_cohorts_and_the_session_under_way_with_its_code_link(
    live: Live, users: dict[str, User]
) -> None:
    r = signed_in(users["instructor"]).get("/personal/")
    body, words = r.content.decode(), text(r)
    assert r.status_code == 200
    assert "Hoy" in words and "Qué es la IA" in words and "en curso" in words
    assert f'href="/cohortes/sesiones/{live.session.pk}/codigo/"' in body
    assert "Mostrar el código" in words
    assert f'href="/cohortes/{live.cohort.pk}/"' in body
    assert f'href="/cohortes/{live.cohort.pk}/progreso/"' in body
    assert "3 participantes de 30 vacantes" in words
    # Another instructor's cohort and session are not there.
    assert "Virtual noche" not in words
    assert f"/cohortes/sesiones/{live.other_session.pk}/" not in body


def test_a_session_that_has_not_started_shows_no_code_yet(
    live: Live, users: dict[str, User]
) -> None:
    Session.objects.filter(pk=live.session.pk).update(
        starts_at=timezone.now() + dt.timedelta(hours=3),
        ends_at=timezone.now() + dt.timedelta(hours=5),
    )
    if timezone.localdate(timezone.now() + dt.timedelta(hours=3)) != timezone.localdate():
        pytest.skip("three hours from now is tomorrow in Lima")
    body = signed_in(users["instructor"]).get("/personal/").content.decode()
    assert "Qué es la IA" in body and "/codigo/" not in body
    assert f'href="/cohortes/sesiones/{live.session.pk}/"' in body


def test_an_instructor_without_cohorts_is_told_so(db: None, users: dict[str, User]) -> None:
    words = text(signed_in(users["instructor"]).get("/personal/"))
    assert "No hay sesiones hoy." in words and "Todavía no tienes cohortes." in words


def test_the_instructor_home_runs_a_fixed_number_of_queries(
    live: Live, users: dict[str, User], django_assert_num_queries: Any
) -> None:
    client = signed_in(users["instructor"])
    with django_assert_num_queries(QUERIES["instructor"]):
        client.get("/personal/")
    more_rows(live, users)
    with django_assert_num_queries(QUERIES["instructor"]):
        assert "Cusco extra 2" in client.get("/personal/").content.decode()


# --- Coordinator ---------------------------------------------------------------------------


def test_a_coordinator_sees_their_departments_applications_and_cohorts_only(
    live: Live, users: dict[str, User]
) -> None:
    r = signed_in(users["coordinator"]).get("/personal/")  # Cusco (08) and Puno (21)
    body, words = r.content.decode(), text(r)
    assert "Cusco, Puno" in words
    # live: one application from Cusco, one from Lima, one from Puno (+ one Lima outsider).
    rows = dict(re.findall(r'\?department=(\d\d)">[^<]+</a></th><td>(\d+)</td>', body))
    assert rows == {"08": "1", "21": "1"}
    assert 'href="/admin/intake/application/?department=08"' in body
    assert "Cusco tarde" in words and "Virtual noche" not in words
    # They follow today's session but do not take attendance: no code link.
    assert f'href="/cohortes/sesiones/{live.session.pk}/"' in body
    assert "/codigo/" not in body


def test_a_coordinator_sees_selection_outcomes_of_their_departments(
    published: Call,  # noqa: F811
    users: dict[str, User],
) -> None:
    from yachay.selection.models import Decision

    body = signed_in(users["coordinator"]).get("/personal/").content.decode()
    expected = {}
    for dep in ("08", "21"):
        decided = Decision.objects.filter(application__department=dep)
        expected[dep] = [
            decided.filter(outcome=o).count() for o in ("admitted", "waitlisted", "ineligible")
        ]
    for dep, (admitted, waitlisted, ineligible) in expected.items():
        row = re.search(rf"\?department={dep}\">[^<]+</a></th>((?:<td>\d+</td>)+)", body)
        assert row, dep
        cells = [int(x) for x in re.findall(r"<td>(\d+)</td>", row.group(1))]
        assert cells[1:4] == [admitted, waitlisted, ineligible]


def test_the_coordinator_home_runs_a_fixed_number_of_queries(
    live: Live, users: dict[str, User], django_assert_num_queries: Any
) -> None:
    client = signed_in(users["coordinator"])
    with django_assert_num_queries(QUERIES["coordinator"]):
        client.get("/personal/")
    more_rows(live, users)
    with django_assert_num_queries(QUERIES["coordinator"]):
        assert "Cusco extra 2" in client.get("/personal/").content.decode()


# --- Program admin -------------------------------------------------------------------------


def test_the_program_home_shows_calls_runs_cohorts_and_what_needs_attention(
    live: Live, users: dict[str, User]
) -> None:
    Cohort.objects.create(
        call=live.cohort.call, track=live.cohort.track, name="Puno sin instructor",
        modality="in_person", department="21", slot="morning", capacity=20,
        starts_on=live.cohort.starts_on, ends_on=live.cohort.ends_on,
    )  # fmt: skip
    waiting = user_create(username="espera", role=Role.LEARNER, actor=SYSTEM)
    from yachay.selection.tests.test_selection_runs import submit

    Enrollment.objects.create(
        application=submit(live.cohort.call, 40, "female", "080101", "entrepreneur", None),
        user=waiting,
    )
    r = signed_in(users["admin"]).get("/personal/")
    body, words = r.content.decode(), text(r)
    assert "Requiere atención hoy" in words
    assert "2 sesiones hoy." in words
    assert "1 cohorte no tiene instructor/a: Puno sin instructor" in words
    assert "1 participante espera una cohorte." in words
    assert "Ninguna oferta vence en las próximas 48 horas." in words
    call = live.cohort.call
    assert call.title in words and "abierta" in words
    assert "5 postulaciones para 1.000 vacantes." in words or "5 postulaciones para 1 000" in words
    assert f'href="/admin/programs/call/{call.pk}/change/"' in body
    assert "Todavía no se ha corrido ninguna selección." in words
    assert "3 cohortes, 4 participantes asignados." in words


def test_the_program_home_counts_offers_expiring_within_48_hours_and_lists_runs(
    published: Call,  # noqa: F811
    users: dict[str, User],
) -> None:
    pending = Offer.objects.filter(state=Offer.State.PENDING).order_by("pk")
    assert pending.count() >= 2
    soon = pending[0]
    Offer.objects.filter(pk__in=pending.exclude(pk=soon.pk).values("pk")).update(
        expires_at=timezone.now() + dt.timedelta(days=5)
    )
    Offer.objects.filter(pk=soon.pk).update(expires_at=timezone.now() + dt.timedelta(hours=20))
    r = signed_in(users["admin"]).get("/personal/")
    words = text(r)
    assert "1 oferta vence en menos de 48 horas sin respuesta." in words
    assert "publicada" in words  # the published run, in words
    assert "Últimas corridas de selección" in words
    assert "/admin/selection/selectionrun/" in r.content.decode()


def test_the_program_home_runs_a_fixed_number_of_queries(
    live: Live, users: dict[str, User], django_assert_num_queries: Any
) -> None:
    client = signed_in(users["admin"])
    with django_assert_num_queries(QUERIES["admin"]):
        client.get("/personal/")
    more_rows(live, users)
    Call.objects.create(
        program=live.cohort.call.program, title="Convocatoria 2027-II", slug="2027-ii",
        opens_at=timezone.now() + dt.timedelta(days=60),
        closes_at=timezone.now() + dt.timedelta(days=90), seats=500, consent_text="x",
    )  # fmt: skip
    with django_assert_num_queries(QUERIES["admin"]):
        body = client.get("/personal/").content.decode()
    assert "Convocatoria 2027-II" in body and "aún no abre" in body


# --- Everyone else -------------------------------------------------------------------------


def test_a_learner_is_sent_to_their_own_page(live: Live) -> None:
    r = signed_in(live.learners[0]).get("/personal/")
    assert r.status_code == 302 and r["Location"] == "/mi-cuenta/"


def test_the_homes_share_one_address_for_every_role(users: dict[str, User]) -> None:
    for role in ("admin", "coordinator", "instructor"):
        assert signed_in(users[role]).get("/personal/").status_code == 200
