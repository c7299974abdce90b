"""Every table downloads as CSV and XLSX, scoped, audited; personal data only to staff."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from yachay.accounts.models import User
from yachay.core.models import AuditEvent
from yachay.reports.tests.conftest import World
from yachay.reports.views import TABLES


def _body(r: object) -> bytes:
    return b"".join(r.streaming_content) if r.streaming else r.content  # type: ignore[attr-defined]


@pytest.mark.parametrize("table", TABLES)
def test_every_table_downloads_as_csv_and_is_audited(
    client: Client, world: World, users: dict[str, User], table: str
) -> None:
    client.force_login(users["admin"])
    r = client.get(f"/informes/descargar/{table}.csv", {"call": str(world.call.pk), "by": "gender"})
    assert r.status_code == 200
    body = _body(r)
    assert body.startswith("\ufeff".encode())
    assert "no-store" in r["Cache-Control"]
    event = AuditEvent.objects.get(action="export.csv")
    assert event.actor == users["admin"]
    assert event.object_id == f"{table}-{world.call.slug}"
    assert event.changes["rows"] == body.decode("utf-8-sig").count("\r\n") - 1


def test_the_funnel_downloads_as_xlsx(client: Client, world: World, users: dict[str, User]) -> None:
    client.force_login(users["admin"])
    r = client.get("/informes/descargar/funnel.xlsx", {"call": str(world.call.pk), "by": "gender"})
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(_body(r))) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = (
            book.read("xl/sharedStrings.xml").decode()
            if "xl/sharedStrings.xml" in book.namelist()
            else ""
        )
    assert "Total" in sheet + strings
    assert "<v>9</v>" in sheet  # the total who applied
    assert AuditEvent.objects.filter(action="export.xlsx").count() == 1


def test_a_coordinators_people_are_only_of_their_departments(
    client: Client, world: World, users: dict[str, User]
) -> None:
    client.force_login(users["coordinator"])
    r = client.get("/informes/descargar/people.csv", {"call": str(world.call.pk)})
    text = _body(r).decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert len(lines) == 1 + 4  # header + Cusco/Puno people 0, 1, 4, 8
    assert "Lima" not in text and "Callao" not in text
    assert "certificado" in text  # person 0's furthest stage, in words


def test_a_download_for_another_department_is_refused(
    client: Client, world: World, users: dict[str, User]
) -> None:
    client.force_login(users["coordinator"])
    r = client.get("/informes/descargar/people.csv", {"call": str(world.call.pk), "region": "15M"})
    assert r.status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


@pytest.mark.parametrize("url", ["/informes/descargar/nope.csv", "/informes/descargar/funnel.pdf"])
def test_unknown_tables_and_formats_are_not_found(
    client: Client, world: World, users: dict[str, User], url: str
) -> None:
    client.force_login(users["admin"])
    assert client.get(url).status_code == 404


def test_an_export_of_an_empty_selection_is_a_header_only(
    client: Client, call: object, users: dict[str, User]
) -> None:
    client.force_login(users["admin"])
    r = client.get("/informes/descargar/people.csv", {"call": call.pk})  # type: ignore[attr-defined]
    assert r.status_code == 200
    assert _body(r).decode("utf-8-sig").count("\r\n") == 1
