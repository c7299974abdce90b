"""The public transparency page and its open data: no sign-in, suppressed, cached, light."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yachay.core.models import AuditEvent
from yachay.intake.tests.test_page_weight import BUDGET_BYTES, _wire_weight
from yachay.programs.models import Call
from yachay.reports import public, public_views, services, tasks
from yachay.reports.models import PublicSnapshot
from yachay.reports.selectors import STAGES
from yachay.reports.tests.conftest import World

PAGE = "/transparencia/"
JSON = "/transparencia/datos.json"
CSV = "/transparencia/datos.csv"


def _csv(client: Client, **extra: Any) -> tuple[Any, str]:
    response = client.get(CSV, **extra)
    return response, response.content.decode("utf-8")


def _json(client: Client, **extra: Any) -> tuple[Any, dict[str, Any]]:
    response = client.get(JSON, **extra)
    return response, json.loads(response.content)


# -- what is published ------------------------------------------------------------------------


def test_with_k_1_the_page_publishes_the_funnel_as_the_reports_count_it(
    world: World, client: Client, settings: Any
) -> None:
    settings.YACHAY_SMALL_CELL_K = 1
    _, doc = _json(client)
    funnel = {r["stage"]: r["count"] for r in doc["rows"] if r["table"] == "funnel"}
    # conftest.PEOPLE: 9 applied, 7 eligible, 6 admitted, 5 accepted, 4 placed, 2 active
    # (a lesson today, attendance 3 days ago), 2 completed, 1 certified.
    assert funnel == {
        "applied": 9,
        "eligible": 7,
        "admitted": 6,
        "accepted": 5,
        "placed": 4,
        "active": 2,
        "completed": 2,
        "certified": 1,
    }
    cusco = {
        r["stage"]: r["count"]
        for r in doc["rows"]
        if r["dimension"] == "department" and r["key"] == "08"
    }
    assert cusco == {"applied": 3, "admitted": 2, "placed": 2, "completed": 2, "certified": 1}
    women = [r for r in doc["rows"] if r["dimension"] == "gender" and r["key"] == "female"]
    assert {r["stage"]: r["count"] for r in women}["placed"] == 3
    assert women[0]["label_es"] == "mujer" and women[0]["label_en"] == "woman"


def test_with_k_10_no_count_of_1_to_9_is_published_anywhere(
    world: World, client: Client, settings: Any
) -> None:
    settings.YACHAY_SMALL_CELL_K = 10
    _, doc = _json(client)
    counts = [r["count"] for r in doc["rows"]]
    assert counts, "the file has rows"
    assert all(n is None or n == 0 or n >= 10 for n in counts)
    assert all(r["suppressed"] == (r["count"] is None) for r in doc["rows"])
    assert any(r["suppressed"] for r in doc["rows"])
    _, text = _csv(client)
    for line in text.splitlines()[1:]:
        count = line.split('","')[7]
        assert count == "" or count == "0" or int(count) >= 10
    html = client.get(PAGE).content.decode()
    table = html[html.index('id="funnel"') : html.index('id="map"')]
    cells = re.findall(r'<td class="n">([^<]*)</td>', table)
    assert cells and all(c in ("—", "") for c in cells), cells


def test_a_stage_total_reads_the_same_in_the_funnel_and_every_breakdown(
    world: World, settings: Any
) -> None:
    settings.YACHAY_SMALL_CELL_K = 3
    data = public.compute()
    call = data["calls"][0]
    for by in public.PUBLIC_DIMENSIONS:
        for stage in public.PUBLIC_STAGES:
            assert call["tables"][by]["total"][stage] == call["funnel"][stage], (by, stage)


def test_the_snapshot_is_the_same_whatever_the_language(world: World, settings: Any) -> None:
    from django.utils import translation

    now = timezone.now()
    with translation.override("en"):
        english = public.compute(now=now)
    with translation.override("es"):
        spanish = public.compute(now=now)
    assert public.digest(english) == public.digest(spanish)


def test_the_page_shows_headline_numbers_the_funnel_map_breakdowns_and_the_rule(
    world: World, client: Client, settings: Any
) -> None:
    settings.YACHAY_SMALL_CELL_K = 1
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    for part in ("headline", "funnel", "map", "by-gender", "by-segment", "by-age_band", "rule"):
        assert f'id="{part}"' in html
    assert 'id="open-data"' in html
    assert html.count("<svg") == 2  # the funnel and the map, each with a table
    assert "Cusco" in html and "Lima Metropolitana" in html
    assert "75 %" in html  # women among those placed: 3 of 4
    assert "creativecommons.org/licenses/by/4.0/" in html
    assert "<script" not in html  # nothing needs JavaScript


def test_the_page_is_in_spanish_by_default_and_in_english_when_asked(
    world: World, client: Client
) -> None:
    spanish = client.get(PAGE).content.decode()
    assert "Transparencia" in spanish and "Datos abiertos" in spanish
    english = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Transparency: the program in numbers" in english and "Open data" in english


def test_the_map_shows_the_measure_asked_for_and_the_default_for_anything_else(
    world: World, client: Client, settings: Any
) -> None:
    settings.YACHAY_SMALL_CELL_K = 1
    html = client.get(PAGE, {"mapa": "applied"}).content.decode()
    assert '<a href="?mapa=applied#map" aria-current="true">' in html
    for bad in ("<script>alert(1)</script>", "x" * 5000, "Ñandú", "1 OR 1=1", ""):
        response = client.get(PAGE, {"mapa": bad, "unknown": "1"})
        assert response.status_code == 200
        assert '<a href="?mapa=placed#map" aria-current="true">' in response.content.decode()
        assert "<script>alert" not in response.content.decode()


def test_a_nul_in_the_query_is_refused_in_words_not_a_500(world: World, client: Client) -> None:
    for path in (PAGE, JSON, CSV):
        assert client.get(path, {"mapa": "a\x00b"}).status_code == 400


def test_before_any_call_opens_the_page_says_so(db: None, client: Client, call: Call) -> None:
    call.opens_at = timezone.now() + dt.timedelta(days=3)
    call.closes_at = call.opens_at + dt.timedelta(days=3)
    call.save()
    html = client.get(PAGE).content.decode()
    assert "No call has opened yet" in client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<svg" not in html
    _, doc = _json(client)
    assert doc["rows"] == []


# -- open data --------------------------------------------------------------------------------


def test_the_json_explains_itself_licence_rule_dictionary(world: World, client: Client) -> None:
    response, doc = _json(client)
    assert response["Content-Type"] == "application/json"
    assert doc["licence"] == {"id": "CC-BY-4.0", "url": public.LICENCE_URL}
    assert doc["k"] == 10 and "between 1 and 9 people" in doc["rule"]
    assert list(doc["dictionary"]) == list(public.CSV_HEADER) == doc["columns"]
    assert set(doc["rows"][0]) == set(public.CSV_HEADER)


def test_the_csv_has_a_bom_the_dictionarys_columns_and_the_jsons_rows(
    world: World, client: Client
) -> None:
    response, text = _csv(client)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == ",".join(f'"{c}"' for c in public.CSV_HEADER)
    _, doc = _json(client)
    assert len(lines) - 1 == len(doc["rows"])
    assert any('"Áncash"' in line for line in lines)  # tildes kept


@pytest.mark.parametrize("path", [JSON, CSV])
def test_open_data_has_an_etag_and_answers_304_when_unchanged(
    world: World, client: Client, path: str
) -> None:
    first = client.get(path)
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"] == "public, max-age=300"
    assert first["Access-Control-Allow-Origin"] == "*"
    assert "Last-Modified" in first
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert client.get(path, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    # Unknown parameters change nothing: the same file, the same tag.
    assert client.get(path, {"formato": "xml", "page": "999999"})["ETag"] == etag


def test_a_new_snapshot_gives_the_files_a_new_etag(world: World, client: Client) -> None:
    before = client.get(JSON)["ETag"]
    services.public_snapshot_refresh(actor=public_views.PUBLIC)
    assert client.get(JSON)["ETag"] != before


@pytest.mark.parametrize("fmt", ["xml", "xlsx", "CSV", "json.exe", "%00", "ñ"])
def test_an_unknown_format_is_a_404_in_words(world: World, client: Client, fmt: str) -> None:
    response = client.get(f"/transparencia/datos.{fmt}")
    assert response.status_code in (400, 404)
    if response.status_code == 404:
        assert "datos.csv, datos.json" in response.content.decode()


def test_open_data_and_the_page_refuse_writes(world: World, client: Client) -> None:
    for path in (PAGE, JSON, CSV):
        assert client.post(path).status_code == 405
        assert client.head(path).status_code == 200


# -- freshness and caching --------------------------------------------------------------------


def test_the_page_says_when_it_was_counted_and_reads_the_stored_snapshot(
    world: World, client: Client
) -> None:
    snapshot = services.public_snapshot_refresh(actor=public_views.PUBLIC)
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Counted on" in html
    assert PublicSnapshot.objects.count() == 1  # read, not counted again
    assert snapshot.computed_at <= timezone.now()


def test_a_snapshot_older_than_a_day_is_counted_again_by_the_first_visitor(
    world: World, client: Client
) -> None:
    old = services.public_snapshot_refresh(
        actor=public_views.PUBLIC, now=timezone.now() - dt.timedelta(days=2)
    )
    client.get(PAGE)
    newest = PublicSnapshot.objects.first()
    assert newest is not None and newest.pk != old.pk


def test_the_refresh_task_stores_a_snapshot_and_audits_it(world: World) -> None:
    digest = tasks.refresh_public_snapshot.call(reschedule=False)
    snapshot = PublicSnapshot.objects.get()
    assert snapshot.digest == digest and snapshot.k == 10
    event = AuditEvent.objects.get(action="transparency.publish")
    assert event.changes == {"digest": digest, "calls": 1, "k": 10}
    assert event.actor_label == "system"


def test_old_snapshots_are_deleted_beyond_the_kept_number(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "KEEP_SNAPSHOTS", 2)
    for _ in range(4):
        services.public_snapshot_refresh(actor=public_views.PUBLIC)
    assert PublicSnapshot.objects.count() == 2


def test_the_page_runs_a_fixed_small_number_of_queries(
    world: World, client: Client, django_assert_num_queries: Any
) -> None:
    services.public_snapshot_refresh(actor=public_views.PUBLIC)
    client.get(PAGE)  # renders the body once into the cache
    public_views._latest.clear()
    with django_assert_num_queries(1):  # the newest snapshot; the body comes from the cache
        assert client.get(PAGE).status_code == 200
    with django_assert_num_queries(0):  # the snapshot is kept in the process for a moment
        assert client.get(JSON).status_code == 200


def test_the_page_may_be_cached_for_the_public_but_never_for_a_signed_in_person(
    world: World, client: Client, users: dict[str, Any]
) -> None:
    assert client.get(PAGE)["Cache-Control"] == "public, max-age=300"
    client.force_login(users["admin"])
    assert "no-store" in client.get(PAGE)["Cache-Control"]


def test_the_page_weighs_at_most_30_kb_over_the_wire(
    world: World, client: Client, settings: Any
) -> None:
    settings.YACHAY_SMALL_CELL_K = 1  # every number shown: the heaviest page
    total, sizes, external = _wire_weight(client, PAGE)
    assert external == []
    assert total <= BUDGET_BYTES, f"{total} B > {BUDGET_BYTES} B ({sizes})"


def test_every_stage_has_a_label() -> None:
    assert set(public.stage_labels()) == set(STAGES)


def test_a_cached_page_still_gives_each_visitor_a_working_language_switch(
    world: World,
) -> None:
    pages = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        response = visitor.get(PAGE)
        html = response.content.decode()
        assert public_views.CSRF_PLACEHOLDER not in html
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token is not None and "csrftoken" in response.cookies
        switched = visitor.post(
            "/i18n/setlang/",
            {"language": "en", "next": PAGE, "csrfmiddlewaretoken": token.group(1)},
        )
        assert switched.status_code == 302
        english = visitor.get(PAGE).content.decode()
        assert "Transparency: the program in numbers" in english
        pages.append(token.group(1))
    assert pages[0] != pages[1]  # one token per visitor, not the first visitor's for all


def test_a_visit_with_other_parameters_is_rendered_for_itself(world: World, client: Client) -> None:
    html = client.get(PAGE, {"mapa": "applied", "x": '"><b>hi</b>'}).content.decode()
    assert "<b>hi</b>" not in html
    assert 'value="/transparencia/?mapa=applied&amp;x=' in html  # its own "next"
    plain = client.get(PAGE, {"mapa": "applied"}).content.decode()
    assert 'value="/transparencia/?mapa=applied"' in plain


def test_the_page_shows_the_newest_call_with_completions_and_any_call_on_request(
    world: World, client: Client, settings: Any
) -> None:
    settings.YACHAY_SMALL_CELL_K = 1
    newer = Call.objects.create(
        program=world.call.program,
        title="Convocatoria 2027-II",
        slug="2027-ii",
        opens_at=timezone.now() - dt.timedelta(hours=1),
        closes_at=timezone.now() + dt.timedelta(days=60),
        seats=500,
        min_age=18,
        max_age=70,
    )
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Convocatoria 2027-I ·" in html  # the one whose learners completed
    assert f'href="?convocatoria={newer.slug}"' in html
    other = client.get(PAGE, {"convocatoria": newer.slug}).content.decode()
    assert "Convocatoria 2027-II ·" in other
    assert f'href="?convocatoria={newer.slug}&amp;mapa=applied#map"' in other
    for bad in ("nope", "<script>", "2027-i' OR 1=1", "x" * 3000):
        response = client.get(PAGE, {"convocatoria": bad})
        assert response.status_code == 200
        assert "Convocatoria 2027-I ·" in response.content.decode()


def test_by_default_the_page_prefers_a_call_whose_completions_can_be_published() -> None:
    from yachay.reports.public import default_call

    def calls(*completed: int | None) -> dict[str, Any]:
        return {
            "calls": [
                {"slug": f"c{i}", "funnel": {"completed": n}} for i, n in enumerate(completed)
            ]
        }

    # newest first: a hidden count (None: 1 to k-1 people) loses to a published one
    assert default_call(calls(None, 74, 0)) == "c1"
    assert default_call(calls(0, None, 0)) == "c1"  # only a hidden count: still some did
    assert default_call(calls(0, 0)) == "c0"  # nobody completed anywhere: the newest
    assert default_call({"calls": []}) is None
