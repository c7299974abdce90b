"""The call's start page, /convocatorias/<slug>/: what a person learns before the form."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yachay.core.dates import hm
from yachay.programs.models import Call, Track

URL = "/convocatorias/2027-i/"
LIMA = zoneinfo.ZoneInfo("America/Lima")


def text(response: Any) -> str:
    """The page's words, tags removed and spaces collapsed (a no-break space kept)."""
    html = response.content.decode()
    html = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def dated_call(call: Call) -> Call:
    # Tuesday 15 December 2026, 23:59 in Lima.
    call.closes_at = dt.datetime(2026, 12, 15, 23, 59, tzinfo=LIMA)
    call.opens_at = dt.datetime(2026, 11, 1, 0, 0, tzinfo=LIMA)
    call.seats = 20_000
    call.save()
    Track.objects.create(program=call.program, name="IA para tu negocio", slug="ia", order=1)
    return call


def test_it_tells_who_can_apply_what_it_costs_and_asks_then_starts_the_form(
    client: Client, dated_call: Call, settings: Any
) -> None:
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=LIMA)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: now)
        r = client.get(URL)
    assert r.status_code == 200
    page = text(r)
    assert "cierra el martes 15 de diciembre a las 23:59, hora de Lima" in page
    assert "20\u00a0000 vacantes" in page  # grouped with a no-break space, as es-PE writes it
    assert "de 18 a 70 años" in page
    for segment in ("experto/a de MYPE o PYME", "emprendedor/a", "dueño/a de MYPE"):
        assert segment in page
    assert "Gratis" in page
    assert "virtual o presencial" in page
    assert "6 semanas, unas 3 horas por semana" in page
    assert "mañana, 9:00–12:00" in page and "fin de semana, sábados 9:00–13:00" in page
    assert "IA para tu negocio" in page
    assert "certificado digital" in page
    assert "Tu DNI" in page and "RUC de tu negocio, si postulas como: dueño/a de MYPE" in page
    assert "Unos 10 minutos" in page
    assert "Presidencia del Consejo de Ministros" in page and "Socio tecnológico" in page
    assert re.search(
        r'<a class="btn wide" href="/convocatorias/2027-i/postular/">Empezar</a>',
        r.content.decode(),
    )


def test_what_an_admin_writes_replaces_the_defaults(client: Client, call: Call) -> None:
    call.modalities = ["virtual"]
    call.length_weeks = 1
    call.hours_per_week = 5
    call.certificate = "Certificado de la PCM y del socio tecnológico."
    call.ruc_required_segments = []
    call.save()
    page = text(client.get(URL))
    assert "1 semana, unas 5 horas por semana" in page
    assert "Certificado de la PCM y del socio tecnológico." in page
    assert "presencial" not in page
    assert "RUC" not in page
    # The form offers only the modality the call does.
    form = client.get("/convocatorias/2027-i/postular/").content.decode()
    assert 'value="virtual"' in form and 'value="in_person"' not in form


def test_a_closed_call_says_so_and_offers_no_start(client: Client, call: Call) -> None:
    call.opens_at = timezone.now() - dt.timedelta(days=60)
    call.closes_at = timezone.now() - dt.timedelta(days=30)
    call.save()
    r = client.get(URL)
    assert r.status_code == 200
    assert "Esta convocatoria cerró el" in text(r)
    assert "/postular/" not in r.content.decode()
    assert "/convocatorias/2027-i/estado/" in r.content.decode()


def test_a_call_not_yet_open_says_when_it_opens(client: Client, call: Call) -> None:
    call.opens_at = timezone.now() + dt.timedelta(days=3)
    call.save()
    r = client.get(URL)
    opens = timezone.localtime(call.opens_at)
    assert "Todavía no está abierta: abre el" in text(r)
    # The house clock ("9:00", no leading zero: core.dates.hm), whatever the hour in Lima.
    assert f"a las {hm(opens)}, hora de Lima" in text(r)
    assert "/postular/" not in r.content.decode()


def test_an_unknown_call_is_a_404(client: Client, call: Call) -> None:
    assert client.get("/convocatorias/no-existe/").status_code == 404


def test_the_page_is_in_english_when_asked(client: Client, dated_call: Call) -> None:
    client.cookies["django_language"] = "en"
    page = text(client.get(URL))
    assert "20,000 places" in page
    assert "morning, 9:00–12:00" in page
    assert "Start" in page


def test_the_home_page_card_leads_to_the_call_page(client: Client, call: Call) -> None:
    html = client.get("/").content.decode()
    assert 'href="/convocatorias/2027-i/"' in html
    assert "1\u00a0000 vacantes" in html


def test_the_call_page_reads_in_a_fixed_number_of_queries(
    client: Client, dated_call: Call, django_assert_num_queries: Any
) -> None:
    for i in range(3):
        Track.objects.create(program=dated_call.program, name=f"T{i}", slug=f"t{i}", order=2 + i)
    with django_assert_num_queries(2):  # the call with its program; its tracks
        client.get(URL)


def test_a_closed_call_on_the_home_page_still_links_to_its_page(client: Client, call: Call) -> None:
    call.closes_at = timezone.now() - dt.timedelta(days=1)
    call.opens_at = timezone.now() - dt.timedelta(days=10)
    call.save()
    html = client.get("/").content.decode()
    assert 'href="/convocatorias/2027-i/">Ver la convocatoria</a>' in html
    assert "/postular/" not in html
