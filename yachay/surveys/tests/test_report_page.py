"""The surveys page of the reports (/informes/encuestas/): response rates by stage and group,
results per question, per role, with small cells hidden; downloads the same."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yachay.accounts.models import User
from yachay.core.models import AuditEvent, Objection
from yachay.intake.models import Application
from yachay.surveys import services
from yachay.surveys.models import Invitation, Survey
from yachay.surveys.selectors import response_rates, results
from yachay.surveys.tests.conftest import NOON, Live

URL = "/informes/encuestas/"
ANSWERS = {
    "situacion": "negocio-propio", "employees": 2, "monthly_sales_pen": 3000,
    "customers_month": 80, "antiguedad": "1-3", "digital_tools": 3, "uses_ai": "si",
    "ai_uses": ["textos"], "confidence_ai": 4,
}  # fmt: skip


@pytest.fixture
def answered(live: Live, surveys: Any) -> list[Any]:
    """All four people invited to the baseline; three answered (Cusco, Lima, Puno)."""
    invitations = [
        services.invite(e.application, "linea-base", send=False, now=NOON)
        for e in [*live.enrollments, live.outsider.enrollments.get()]
    ]
    for i, invitation in enumerate(invitations[:3]):
        services.answer_submit(
            invitation,
            {**ANSWERS, "uses_ai": "si" if i else "no", "ai_uses": ["textos"] if i else []},
        )
    return invitations


def _text(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def _page(client: Client, user: User, **params: Any) -> Any:
    client.force_login(user)
    return client.get(URL, params)


def test_each_role_sees_the_people_of_its_scope(
    client: Client, answered: Any, users: dict[str, User], settings: Any
) -> None:
    settings.YACHAY_SMALL_CELL_K = 1
    html = _page(client, users["admin"], by="place").content.decode()
    assert "3 / 4" in html  # answered / invited, everyone
    assert "75 %" in html
    html = _page(client, users["coordinator"], by="place").content.decode()  # Cusco, Puno
    assert "2 / 2" in html and "3 / 4" not in html
    html = _page(client, users["instructor"], by="place").content.decode()  # their cohort
    assert "3 / 3" in html and "3 / 4" not in html
    r = _page(client, users["learner"])
    assert r.status_code == 404
    client.logout()
    assert Client().get(URL).status_code == 302  # to the staff sign-in


def test_small_cells_are_hidden_in_rates_and_results(
    client: Client, answered: Any, users: dict[str, User], settings: Any
) -> None:
    settings.YACHAY_SMALL_CELL_K = 10
    r = _page(client, users["admin"], by="gender")
    assert r.status_code == 200
    html = r.content.decode()
    assert "3 / 4" not in html and "— / —" in html
    assert "Menos de 10 respuestas: se oculta." in html
    assert "no-store" in r["Cache-Control"]
    assert 'style="' not in html


def test_the_results_count_the_answers_of_submitted_invitations(answered: Any) -> None:
    survey = Survey.objects.get(slug="linea-base")
    everyone = Application.objects.all()
    by_id = {r.id: r for r in results(survey, everyone, k=1)}
    assert by_id["uses_ai"].respondents == 3
    assert [(o.label, o.count) for o in by_id["uses_ai"].options] == [("Sí", 2), ("No", 1)]
    assert by_id["ai_uses"].respondents == 2  # shown only to those who use AI
    assert by_id["monthly_sales_pen"].median == 3000
    assert by_id["meta"].options == [] and by_id["meta"].respondents == 0
    hidden = {r.id: r for r in results(survey, everyone, k=10)}
    assert hidden["uses_ai"].respondents is None
    assert all(o.count is None for o in hidden["uses_ai"].options)
    assert hidden["monthly_sales_pen"].mean is None
    baseline = next(s for s in response_rates(everyone, "place", k=1) if s.kind == "baseline")
    assert (baseline.total.invited, baseline.total.submitted) == (4, 3)
    assert [(g.label, g.invited, g.submitted) for g in baseline.groups] == [
        ("Lima", 2, 1), ("Otras regiones", 2, 2),
    ]  # fmt: skip
    # The one who did not answer objects to surveys (was never asked): not counted as silent.
    silent = Invitation.objects.get(survey=survey, submitted_at__isnull=True).application
    Application.objects.filter(pk=silent.pk).update(email="Ana.Callada@example.pe")
    Objection.objects.create(email="ana.callada@example.pe", purpose=Objection.Purpose.SURVEYS)
    baseline = next(s for s in response_rates(everyone, "place", k=1) if s.kind == "baseline")
    assert (baseline.total.invited, baseline.total.submitted) == (3, 3)


def test_bad_filters_are_refused_in_words(
    client: Client, answered: Any, users: dict[str, User]
) -> None:
    r = _page(client, users["admin"], survey="no-existe", by="planeta")
    assert r.status_code == 400
    html = r.content.decode()
    assert "No existe esa encuesta" in html and "Elige un grupo de la lista" in html
    r = _page(client, users["admin"], survey="x\x00")
    assert r.status_code == 400


def test_downloads_are_suppressed_the_same_and_scoped(
    client: Client, answered: Any, users: dict[str, User], settings: Any
) -> None:
    settings.YACHAY_SMALL_CELL_K = 1
    client.force_login(users["coordinator"])
    r = client.get(URL + "descargar/response-rates.csv", {"by": "place"})
    assert r.status_code == 200
    text = _text(r)
    assert '"Línea de base (al postular)","Total","2","2","100 %"' in text
    assert '"4"' not in text
    r = client.get(URL + "descargar/results.xlsx", {"survey": "linea-base"})
    assert r.status_code == 200
    settings.YACHAY_SMALL_CELL_K = 10
    r = client.get(URL + "descargar/results.csv", {"survey": "linea-base"})
    text = _text(r)
    assert '"Sí","2"' not in text
    assert client.get(URL + "descargar/people.csv").status_code == 404
    # Read-only pages answer GET and HEAD only (a DELETE does not download, nor audit).
    exports = AuditEvent.objects.count()
    assert client.delete(URL + "descargar/results.csv?survey=linea-base").status_code == 405
    assert client.post(URL, {"survey": "linea-base"}).status_code == 405
    assert AuditEvent.objects.count() == exports
    client.force_login(users["learner"])
    assert client.get(URL + "descargar/results.csv").status_code == 404


def test_the_page_runs_a_fixed_number_of_queries(
    client: Client, answered: Any, users: dict[str, User], live: Live, settings: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.YACHAY_SMALL_CELL_K = 1
    client.force_login(users["admin"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL, {"survey": "linea-base"}).status_code == 200
    last = answered[3]
    services.answer_submit(last, {**ANSWERS})
    with CaptureQueriesContext(connection) as more:
        assert client.get(URL, {"survey": "linea-base"}).status_code == 200
    assert len(more) == len(few) <= 12


def test_a_person_who_objected_to_analyses_is_left_out_of_the_results(answered: Any) -> None:
    from yachay.core.actors import SYSTEM
    from yachay.core.objections import Purpose
    from yachay.core.services import objection_record

    survey = Survey.objects.get(slug="linea-base")
    person = answered[1].application
    objection_record(email=person.email.upper(), purpose=Purpose.ANALYTICS, actor=SYSTEM)
    by_id = {r.id: r for r in results(survey, Application.objects.all(), k=1)}
    assert by_id["uses_ai"].respondents == 2
