"""The offline roster: download before the session, upload after, all or nothing."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from yachay.accounts.models import User
from yachay.cohorts.models import Attendance
from yachay.cohorts.tests.conftest import Live


def instructor(users: dict[str, User]) -> Client:
    client = Client()
    client.force_login(users["instructor"])
    return client


def upload(client: Client, live: Live, data: bytes, name: str = "lista.csv") -> Any:
    return client.post(
        f"/cohortes/sesiones/{live.session.pk}/",
        {"roster": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def test_the_downloaded_roster_comes_back_filled_in(live: Live, users: dict[str, User]) -> None:
    client = instructor(users)
    download = client.get(f"/cohortes/sesiones/{live.session.pk}/lista.csv")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    text = download.content.decode("utf-8-sig")
    assert "Ñahui" in text and "70000001" in text
    lines = text.splitlines()
    filled = [lines[0]]
    for line, status in zip(lines[1:], ["presente", "tarde", "justificado"], strict=True):
        cells = line.split(",")
        cells[3] = status
        filled.append(",".join(cells))
    done = upload(client, live, ("\n".join(filled) + "\n").encode("utf-8-sig"))
    assert done.status_code == 302
    assert sorted(Attendance.objects.values_list("status", flat=True)) == [
        "excused", "late", "present",
    ]  # fmt: skip
    assert set(Attendance.objects.values_list("method", flat=True)) == {"roster"}


def test_a_latin1_roster_from_excel_is_read(live: Live, users: dict[str, User]) -> None:
    dnis = [e.application.dni for e in live.enrollments]
    text = "DNI;Apellidos;Nombres;Estado;Nota\n" + "".join(
        f"{dni};Ñahui;José;Presente;llegó en combi\n" for dni in dnis
    )
    done = upload(instructor(users), live, text.encode("cp1252"))
    assert done.status_code == 302
    assert Attendance.objects.filter(status="present").count() == 3
    assert Attendance.objects.filter(note="llegó en combi").count() == 3


def test_one_bad_row_applies_nothing_and_every_row_is_reported(
    live: Live, users: dict[str, User]
) -> None:
    d0, d1, _d2 = (e.application.dni for e in live.enrollments)
    text = (
        "dni,apellidos,nombres,estado,nota\n"
        f"{d0},A,B,presente,\n"
        f"{d0},A,B,ausente,\n"  # duplicate
        "99999999,X,Y,presente,\n"  # unknown DNI
        f"{d1},A,B,de vacaciones,\n"  # unknown status
    )
    page = upload(instructor(users), live, text.encode())
    assert page.status_code == 200
    body = page.content.decode()
    assert "No se aplicó nada" in body
    assert "Línea 3" in body and "Línea 4" in body and "Línea 5" in body
    assert not Attendance.objects.exists()


def test_missing_or_extra_columns_are_refused(live: Live, users: dict[str, User]) -> None:
    d0 = live.enrollments[0].application.dni
    cases = {
        f"dni,nota\n{d0},x\n": "falta la columna «estado»",
        f"dni,estado,color\n{d0},presente,rojo\n": "la columna «color» no es parte",
        "": "está vacío",
        "\x00\xff\xfe": "No se aplicó nada",
    }
    for text, expected in cases.items():
        page = upload(instructor(users), live, text.encode("latin-1"))
        assert page.status_code == 200
        assert expected in page.content.decode(), text
    assert not Attendance.objects.exists()


def test_a_huge_file_is_refused_before_reading(live: Live, users: dict[str, User]) -> None:
    page = upload(instructor(users), live, b"dni,estado\n" + b"1" * 1_100_000)
    assert page.status_code == 200
    assert "1 MB" in page.content.decode()
    assert not Attendance.objects.exists()


def test_a_coordinator_cannot_upload(live: Live, users: dict[str, User]) -> None:
    client = Client()
    client.force_login(users["coordinator"])
    d0 = live.enrollments[0].application.dni
    response = upload(client, live, f"dni,estado\n{d0},presente\n".encode())
    assert response.status_code == 403
    assert client.get(f"/cohortes/sesiones/{live.session.pk}/lista.csv").status_code == 403
    assert not Attendance.objects.exists()
