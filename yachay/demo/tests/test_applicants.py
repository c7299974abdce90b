"""The demo data: deterministic, realistic, and valid under the same rules as real intake."""

from __future__ import annotations

import datetime as dt
import io
import re
import stat
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.utils import timezone

from yachay.accounts.models import User
from yachay.accounts.services import api_key_lookup
from yachay.core import ubigeo
from yachay.core import validators as v
from yachay.core.models import AuditEvent
from yachay.demo import applicants as demo
from yachay.intake.forms import ApplicationApiForm
from yachay.intake.models import Application, age_on
from yachay.intake.selectors import applications_visible_to_key
from yachay.intake.services import REFERENCE_ALPHABET
from yachay.programs.models import Call, Program

NOW = dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC)
WINDOW = demo.CallWindow(
    opens_at=NOW - dt.timedelta(days=6), now=NOW, closes_on=dt.date(2026, 12, 26)
)


@pytest.fixture(autouse=True)
def _var_dir(settings: Any, tmp_path: Path) -> None:
    # The credentials file goes to a temporary VAR_DIR, never to the checkout's var/.
    settings.VAR_DIR = tmp_path


@pytest.fixture(scope="module")
def crowd() -> list[dict[str, Any]]:
    """20,000 applicants: enough for shares to settle within a point or two."""
    return demo.generate_applicants(20_000, seed=7, window=WINDOW)


def share(items: list[Any], pred: Any) -> float:
    return sum(1 for x in items if pred(x)) / len(items)


# Determinism --------------------------------------------------------------


def test_it_gives_the_same_applicants_for_the_same_seed() -> None:
    first = demo.generate_applicants(500, seed=11, window=WINDOW)
    second = demo.generate_applicants(500, seed=11, window=WINDOW)
    assert first == second


def test_it_gives_the_same_people_when_only_the_clock_moves() -> None:
    later = demo.CallWindow(
        opens_at=WINDOW.opens_at, now=NOW + dt.timedelta(hours=5), closes_on=WINDOW.closes_on
    )
    a = demo.generate_applicants(200, seed=3, window=WINDOW)
    b = demo.generate_applicants(200, seed=3, window=later)
    strip = [{k: val for k, val in r.items() if k != "consent_at"} for r in a]
    assert strip == [{k: val for k, val in r.items() if k != "consent_at"} for r in b]


def test_it_gives_different_applicants_for_different_seeds() -> None:
    a = demo.generate_applicants(300, seed=1, window=WINDOW)
    b = demo.generate_applicants(300, seed=2, window=WINDOW)
    assert len({r["dni"] for r in a} & {r["dni"] for r in b}) < 5
    assert [r["given_names"] for r in a] != [r["given_names"] for r in b]
    assert [r["reference"] for r in a] != [r["reference"] for r in b]


# Identity numbers -----------------------------------------------------------


def test_it_gives_unique_dnis_some_with_leading_zeros_and_about_half_with_a_check(
    crowd: list[dict[str, Any]],
) -> None:
    dnis = [r["dni"] for r in crowd]
    assert len(set(dnis)) == len(dnis)
    assert all(len(d) == 8 and d.isdigit() for d in dnis)
    assert 0.05 < share(dnis, lambda d: d.startswith("0")) < 0.2
    with_check = [r for r in crowd if r["dni_check"]]
    assert 0.45 < len(with_check) / len(crowd) < 0.55
    for r in with_check:
        assert v.clean_dni_check(r["dni"], r["dni_check"]) == r["dni_check"]


def test_it_gives_rucs_that_pass_the_validator_and_match_the_persons_dni(
    crowd: list[dict[str, Any]],
) -> None:
    with_ruc = [r for r in crowd if r["ruc"]]
    assert with_ruc
    for r in with_ruc:
        assert v.clean_ruc(r["ruc"]) == r["ruc"]
        assert r["ruc"][:2] in ("10", "20")
        if r["ruc"].startswith("10"):
            assert r["ruc"][2:10] == r["dni"]
    assert all(r["ruc"] for r in crowd if r["segment"] == "sme_owner")
    companies = share(with_ruc, lambda r: r["ruc"].startswith("20"))
    assert 0.1 < companies < 0.4


def test_it_gives_unique_peruvian_mobiles_in_e164(crowd: list[dict[str, Any]]) -> None:
    phones = [r["phone"] for r in crowd]
    assert len(set(phones)) == len(phones)
    assert all(re.fullmatch(r"\+519\d{8}", p) for p in phones)
    for phone in phones[:500]:
        assert v.clean_mobile(phone[3:]) == phone


def test_it_gives_unique_references_in_the_house_format(crowd: list[dict[str, Any]]) -> None:
    refs = [r["reference"] for r in crowd]
    assert len(set(refs)) == len(refs)
    pattern = re.compile(f"YCH-[{REFERENCE_ALPHABET}]{{6}}")
    assert all(pattern.fullmatch(ref) for ref in refs)


def test_it_avoids_references_already_taken() -> None:
    plain = demo.generate_applicants(50, seed=5, window=WINDOW)
    taken = {r["reference"] for r in plain[:10]}
    again = demo.generate_applicants(50, seed=5, window=WINDOW, taken_references=taken)
    refs = [r["reference"] for r in again]
    assert not taken & set(refs)
    assert len(set(refs)) == 50
    assert refs[10:] == [r["reference"] for r in plain[10:]]


# Names and emails ---------------------------------------------------------


def test_it_uses_peruvian_names_with_tildes_enye_and_quechua_names(
    crowd: list[dict[str, Any]],
) -> None:
    given = " ".join(r["given_names"] for r in crowd)
    surnames = {r["paternal_surname"] for r in crowd} | {r["maternal_surname"] for r in crowd}
    for name in ("Illari", "Amaru", "Urpi", "Killa", "Ch'aska", "Inti", "Ñusta"):
        assert name in given
    assert {"Núñez", "Peña", "Muñoz", "Ñahui", "Quispe", "Mamani"} <= surnames
    assert any(ch in given for ch in "áéíóú")
    assert 0.01 < share(crowd, lambda r: not r["maternal_surname"]) < 0.06
    assert 0.03 < share(crowd, lambda r: r["given_names"].split()[0] in
                        demo.QUECHUA_FEMALE_NAMES + demo.QUECHUA_MALE_NAMES) < 0.2  # fmt: skip


def test_it_derives_ascii_emails_from_the_names(crowd: list[dict[str, Any]]) -> None:
    emails = [r["email"] for r in crowd]
    assert len(set(emails)) == len(emails)
    assert all(e.isascii() for e in emails)
    nunez = next(r for r in crowd if r["paternal_surname"] == "Núñez" and "nunez" in r["email"])
    assert nunez["email"].split("@")[1] in demo.EMAIL_DOMAINS


# Shares ---------------------------------------------------------------------


def test_it_has_about_52_percent_women(crowd: list[dict[str, Any]]) -> None:
    assert 0.50 < share(crowd, lambda r: r["gender"] == "female") < 0.54


def test_it_has_about_45_percent_woman_led_businesses(crowd: list[dict[str, Any]]) -> None:
    businesses = [r for r in crowd if r["woman_led"] is not None]
    assert len(businesses) > 0.4 * len(crowd)
    assert 0.42 < share(businesses, lambda r: r["woman_led"]) < 0.48
    # Only businesses say who leads them.
    assert all(r["woman_led"] is None for r in crowd if not (r["ruc"] or r["business_name"]))


def test_it_spreads_applicants_over_departments_in_proportion(
    crowd: list[dict[str, Any]],
) -> None:
    expected = demo.department_weights()
    counts = Counter(r["department"] for r in crowd)
    assert set(counts) == set(ubigeo.places().departments)  # all 25
    distance = sum(abs(counts[d] / len(crowd) - p) for d, p in expected.items()) / 2
    assert distance < 0.02
    assert all(r["ubigeo"].startswith(r["department"]) and ubigeo.exists(r["ubigeo"])
               for r in crowd)  # fmt: skip


def test_it_puts_most_applicants_outside_lima_and_callao(crowd: list[dict[str, Any]]) -> None:
    rest = share(crowd, lambda r: ubigeo.department_group(r["ubigeo"]) == ubigeo.REST_OF_PERU)
    assert 0.55 < rest < 0.68  # the target asks for at least 40%


def test_it_skews_districts_towards_capitals(crowd: list[dict[str, Any]]) -> None:
    lima = [r for r in crowd if r["department"] == "15"]
    assert share(lima, lambda r: r["ubigeo"].startswith("1501")) > 0.8
    cusco = Counter(r["ubigeo"] for r in crowd if r["department"] == "08")
    assert cusco.most_common(1)[0][0] == "080101"


def test_it_gives_a_realistic_spread_of_ages_levels_and_preferences(
    crowd: list[dict[str, Any]],
) -> None:
    ages = [age_on(r["birth_date"], WINDOW.closes_on) for r in crowd]
    assert min(ages) >= 18 and max(ages) <= 70
    assert 0.6 < share(ages, lambda a: 25 <= a <= 50) < 0.8
    assert share(ages, lambda a: a >= 60) > 0.02
    levels = Counter(r["digital_level"] for r in crowd)
    assert levels[2] + levels[3] > 0.6 * len(crowd)
    assert set(levels) == {1, 2, 3, 4, 5}
    lima = [r for r in crowd if ubigeo.department_group(r["ubigeo"]) == ubigeo.LIMA_CALLAO]
    rest = [r for r in crowd if ubigeo.department_group(r["ubigeo"]) == ubigeo.REST_OF_PERU]
    in_person = lambda r: r["modality"] == "in_person"  # noqa: E731
    assert share(rest, in_person) > share(lima, in_person) + 0.1
    assert share(crowd, lambda r: "evening" in r["schedules"]) > 0.5
    assert all(r["schedules"] for r in crowd)
    assert 0.01 < share(crowd, lambda r: r["accessibility_needs"]) < 0.05
    segments = Counter(r["segment"] for r in crowd)
    assert all(segments[s] > 0.15 * len(crowd) for s in ("sme_expert", "entrepreneur", "sme_owner"))
    assert 0.05 < share(crowd, lambda r: r["source"] == "api") < 0.2


# The real rules -------------------------------------------------------------


def test_every_generated_applicant_passes_the_api_form(db: None) -> None:
    result = demo.demo_load(applicants=0, seed=1)
    call = result.call
    records = demo.generate_applicants(300, seed=99, window=demo.CallWindow.of(call))
    for record in records:
        payload = demo.api_payload(record)
        form = ApplicationApiForm(payload, call=call)
        assert form.is_valid(), (payload, form.errors)
        # What the form would store is exactly what the generator stores.
        for field in ("dni", "given_names", "paternal_surname", "maternal_surname",
                      "birth_date", "email", "phone", "ubigeo", "ruc", "business_name",
                      "digital_level", "schedules", "woman_led", "dni_check"):  # fmt: skip
            assert form.cleaned_data[field] == record[field], field


# Loading --------------------------------------------------------------------


def test_it_loads_the_program_targets_tracks_open_call_and_applications(db: None) -> None:
    key_owner = demo.demo_accounts_ensure()[1]
    result = demo.demo_load(applicants=250, seed=4, api_key=key_owner)
    program = Program.objects.get(slug=demo.PROGRAM_SLUG)
    assert program.name == "IA para MYPEs — Perú 2027"
    assert program.seats_target == 20_000
    assert program.partner_list == ["Presidencia del Consejo de Ministros", "Socio tecnológico"]
    targets = {(t.dimension, t.value): (t.kind, t.measure, t.amount) for t in program.targets.all()}
    assert targets[("gender", "female")] == ("min", "share", 50)
    assert targets[("department_group", "rest")] == ("min", "share", 40)
    for segment in ("sme_expert", "entrepreneur", "sme_owner"):
        assert targets[("segment", segment)] == ("min", "share", 15)
    assert [t.name for t in program.tracks.all()] == [
        "IA para tu negocio", "IA para especialistas MYPE", "Primeros pasos con IA",
    ]  # fmt: skip
    call = Call.objects.get(program=program)
    assert call.is_open()
    assert (call.seats, call.min_age, call.max_age) == (20_000, 18, 70)
    assert call.ruc_required_segments == ["sme_owner"]
    assert call.consent_version == "2026-1" and "29733" in call.consent_text
    for obj in (program, call, *program.targets.all(), *program.tracks.all()):
        obj.full_clean()

    apps = Application.objects.filter(call=call)
    assert apps.count() == result.applications == 250
    assert apps.exclude(created_at__range=(call.opens_at, timezone.now())).count() == 0
    via_api = apps.filter(source="api")
    assert via_api.exists()
    assert applications_visible_to_key(key_owner, call).count() == via_api.count()
    stored = apps.order_by("reference").first()
    assert stored is not None
    assert stored.consent_ip and stored.consent_at


def test_it_records_one_audit_event_with_counts_only(db: None) -> None:
    demo.demo_load(applicants=120, seed=4)
    events = AuditEvent.objects.filter(action="demo.load")
    assert events.count() == 1
    changes = events.get().changes
    assert changes["applications"] == 120
    assert not AuditEvent.objects.filter(action="application.submit").exists()
    dni = Application.objects.first().dni  # type: ignore[union-attr]
    assert dni not in str(changes)


def test_it_loads_nothing_with_if_empty_when_a_program_exists(db: None) -> None:
    out = io.StringIO()
    call_command("load_demo", "--applicants", "40", "--if-empty", stdout=out)
    call_command("load_demo", "--applicants", "40", "--if-empty", stdout=out)
    assert Program.objects.count() == 1
    assert Application.objects.filter(call__slug=demo.CALL_SLUG).count() == 40
    assert AuditEvent.objects.filter(action="demo.load").count() == 1
    assert "not loaded" in out.getvalue()


def test_it_loads_nothing_with_if_empty_when_another_program_exists(program: Program) -> None:
    call_command("load_demo", "--if-empty", stdout=io.StringIO())
    assert list(Program.objects.all()) == [program]


def test_it_refuses_to_load_twice_unless_asked_to_replace(db: None) -> None:
    call_command("load_demo", "--applicants", "30", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--replace"):
        call_command("load_demo", "--applicants", "30", stdout=io.StringIO())
    call_command("load_demo", "--applicants", "55", "--replace", stdout=io.StringIO())
    assert Program.objects.count() == 1
    assert Application.objects.filter(call__slug=demo.CALL_SLUG).count() == 55
    assert User.objects.filter(username="admin").count() == 1


def test_it_refuses_a_negative_number_of_applicants(db: None) -> None:
    with pytest.raises(CommandError, match="between 0"):
        call_command("load_demo", "--applicants", "-1", stdout=io.StringIO())


# Accounts and credentials -------------------------------------------------


def test_it_writes_working_credentials_readable_by_the_owner_only(db: None) -> None:
    call_command("load_demo", "--applicants", "10", stdout=io.StringIO())
    path = demo.credentials_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = demo.credentials_read()
    assert data is not None
    users = {u["username"]: u for u in data["users"]}
    # django-axes checks every sign-in against its lockouts: it needs the request.
    request = RequestFactory().post("/personal/entrar/")
    admin = authenticate(request, username="admin", password=users["admin"]["password"])
    assert admin is not None and admin.is_program_admin
    coord = authenticate(
        request, username="coordinador.cusco", password=users["coordinador.cusco"]["password"]
    )
    assert coord is not None and coord.departments == ["08", "21"]
    assert api_key_lookup(data["api_key"]["key"]) is not None


def test_it_keeps_the_accounts_and_key_when_the_demo_is_replaced(db: None) -> None:
    call_command("load_demo", "--applicants", "10", stdout=io.StringIO())
    before = demo.credentials_read()
    call_command("load_demo", "--applicants", "10", "--replace", stdout=io.StringIO())
    assert demo.credentials_read() == before


def test_demo_credentials_prints_the_logins_key_and_an_example(db: None) -> None:
    call_command("load_demo", "--applicants", "5", stdout=io.StringIO())
    data = demo.credentials_read()
    assert data is not None
    out = io.StringIO()
    call_command("demo_credentials", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/admin/" in text
    assert "coordinador.cusco" in text
    assert data["users"][0]["password"] in text
    assert data["api_key"]["key"] in text
    assert "curl" in text and f"/calls/{demo.CALL_SLUG}/applications" in text


def test_the_example_in_demo_credentials_is_a_valid_application(db: None) -> None:
    from yachay.demo.management.commands.demo_credentials import EXAMPLE_APPLICATION

    call = demo.demo_load(applicants=0).call
    form = ApplicationApiForm(dict(EXAMPLE_APPLICATION), call=call)
    assert form.is_valid(), form.errors


def test_demo_credentials_says_when_there_are_none(db: None) -> None:
    out = io.StringIO()
    call_command("demo_credentials", stdout=out)
    assert "No demo credentials" in out.getvalue()
