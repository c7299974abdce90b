"""Staff rectify an application's data through ``application_rectify``: the application
form's rules, an audit with old → new (personal values as fingerprints), a signal after
the commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from yachay.conftest import valid_api_payload
from yachay.core.actors import SYSTEM, Actor
from yachay.core.models import AuditEvent
from yachay.intake.forms import ApplicationApiForm
from yachay.intake.models import Application
from yachay.intake.services import application_rectify, application_submit, audit_fingerprint
from yachay.intake.signals import application_rectified
from yachay.programs.models import Call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def submit(call: Call, **overrides: Any) -> Application:
    form = ApplicationApiForm(valid_api_payload(**overrides), call=call)
    assert form.is_valid(), form.errors
    return application_submit(
        call=call, data=form.cleaned_data, consent_ip="127.0.0.1", actor=SYSTEM, source="api"
    )


@pytest.fixture
def application(call: Call) -> Application:
    return submit(call)


@pytest.fixture
def received() -> Any:
    got: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        got.append(kwargs)

    application_rectified.connect(receiver, dispatch_uid="test-rectify")
    yield got
    application_rectified.disconnect(dispatch_uid="test-rectify")


def errors_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_a_rectified_name_is_saved_audited_and_announced_after_the_commit(
    application: Application, users: Any, received: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    actor = Actor.of_user(users["admin"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        application_rectify(
            application=application,
            changes={"given_names": "  Amaru  Ñusta ", "maternal_surname": "Q'ispe"},
            reason="Error de tipeo en el DNI escaneado",
            actor=actor,
        )
        assert received == []  # not before the commit
    for callback in callbacks:
        callback()
    app = Application.objects.get(pk=application.pk)
    assert (app.given_names, app.maternal_surname) == ("Amaru Ñusta", "Q'ispe")
    assert app.full_name == "Amaru Ñusta Huamán Q'ispe"
    assert len(received) == 1
    assert received[0]["application"].pk == app.pk
    assert received[0]["fields"] == {"given_names", "maternal_surname", "full_name"}
    event = AuditEvent.objects.get(action="application.rectify")
    assert event.actor == users["admin"] and event.object_id == str(app.pk)
    assert event.changes == {
        "given_names": ["Amaru", "Amaru Ñusta"],
        "maternal_surname": ["Ccori", "Q'ispe"],
        "reason": "Error de tipeo en el DNI escaneado",
    }


def test_the_dni_email_and_phone_go_to_the_audit_as_fingerprints_only(
    application: Application, received: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        application_rectify(
            application=application,
            changes={"dni": "4567-8913", "email": "amaru@EXAMPLE.PE", "phone": "987 654 321",
                     "birth_date": "1989-01-02"},
            reason="DNI corregido con copia del documento",
            actor=SYSTEM,
        )  # fmt: skip
    app = Application.objects.get(pk=application.pk)
    assert (app.dni, app.email, app.phone) == ("45678913", "amaru@example.pe", "+51987654321")
    assert app.birth_date == dt.date(1989, 1, 2)
    changes = AuditEvent.objects.get(action="application.rectify").changes
    text = str(changes)
    for plain in ("45678912", "45678913", "amaru", "987654321", "912345678", "1989", "1988"):
        assert plain not in text
    assert changes["dni"] == [audit_fingerprint("45678912"), audit_fingerprint("45678913")]
    assert changes["dni"][0].startswith("hmac:") and changes["dni"][0] != changes["dni"][1]
    assert received[0]["fields"] == {"dni", "email", "phone", "birth_date"}  # no full_name


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"given_names": "Amaru\x00"}, "given_names", "control characters"),
        ({"given_names": "Amaru\u202eX"}, "given_names", "control characters"),
        ({"paternal_surname": "Huamán\x07"}, "paternal_surname", "control characters"),
        ({"given_names": ""}, "given_names", "Write your given names."),
        ({"given_names": "A" * 81}, "given_names", "at most 80 characters"),
        ({"given_names": "Á" * 70, "maternal_surname": "Ñ" * 60}, "given_names", "at most 120"),
        ({"given_names": "<script>alert(1)</script>"}, "given_names", "letters only"),
        ({"given_names": "Robert'); DROP TABLE"}, "given_names", "letters only"),
        ({"given_names": 42}, "given_names", "text string"),
        ({"dni": "1234"}, "dni", "8 digits"),
        ({"dni": "4567891a"}, "dni", "digits only"),
        ({"dni": "45678912", "dni_check": "Z"}, "dni_check", "does not match"),
        ({"phone": "01 4261234"}, "phone", "Peruvian mobile"),
        ({"email": "no-arroba"}, "email", "valid email"),
        ({"birth_date": "2099-01-01"}, "birth_date", "future"),
        ({"gender": "robot"}, "gender", "Choose one of the options"),
        ({"segment": "sme_owner"}, "segment", "cannot be rectified"),
        ({"status": "enrolled"}, "status", "cannot be rectified"),
    ],
)
def test_bad_changes_are_refused_field_by_field_and_nothing_changes(
    application: Application, received: list[dict[str, Any]], changes: dict[str, object],
    field: str, message: str,
) -> None:  # fmt: skip
    with pytest.raises(ValidationError) as excinfo:
        application_rectify(
            application=application, changes=changes, reason="corrección", actor=SYSTEM
        )
    errors = errors_of(excinfo)
    assert message in " ".join(errors[field]), errors
    assert Application.objects.get(pk=application.pk).full_name == "Amaru Huamán Ccori"
    assert not AuditEvent.objects.filter(action="application.rectify").exists()
    assert received == []


def test_a_full_name_of_120_characters_with_accents_and_apostrophes_is_taken(
    application: Application,
) -> None:
    given = "María de los Ángeles Ch'aska"
    paternal = "Ñahui-Quispe"
    maternal = "Q" + "u" * (120 - len(given) - len(paternal) - 3)
    application_rectify(
        application=application,
        changes={"given_names": given, "paternal_surname": paternal, "maternal_surname": maternal},
        reason="Nombre completo según el DNI",
        actor=SYSTEM,
    )
    assert len(Application.objects.get(pk=application.pk).full_name) == 120


def test_a_reason_is_required_and_its_error_comes_with_the_fields_errors(
    application: Application,
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        application_rectify(
            application=application, changes={"dni": "1"}, reason="  ", actor=SYSTEM
        )
    assert set(errors_of(excinfo)) == {"dni", "reason"}
    with pytest.raises(ValidationError) as excinfo:
        application_rectify(
            application=application, changes={"given_names": "Ana"}, reason="x\x00", actor=SYSTEM
        )
    assert "control characters" in errors_of(excinfo)["reason"][0]
    with pytest.raises(ValidationError) as excinfo:
        application_rectify(application=application, changes={}, reason="x", actor=SYSTEM)
    assert "Nothing to rectify" in errors_of(excinfo)["__all__"][0]


def test_the_messages_are_in_spanish_for_a_spanish_reader(application: Application) -> None:
    with translation.override("es"), pytest.raises(ValidationError) as excinfo:
        application_rectify(
            application=application,
            changes={"given_names": "Amaru\x01", "status": "x"},
            reason="",
            actor=SYSTEM,
        )
    errors = errors_of(excinfo)
    assert "caracteres invisibles" in errors["given_names"][0]
    assert errors["status"] == ["Este campo no se puede rectificar."]


def test_a_dni_that_another_application_to_the_call_has_is_refused(
    call: Call, application: Application
) -> None:
    submit(call, dni="11111111", email="otra@example.pe")
    with pytest.raises(ValidationError) as excinfo:
        application_rectify(
            application=application, changes={"dni": "11111111"}, reason="x", actor=SYSTEM
        )
    assert "already has this DNI" in errors_of(excinfo)["dni"][0]


def test_the_same_values_again_change_nothing_and_announce_nothing(
    application: Application, received: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        application_rectify(
            application=application,
            changes={"given_names": "Amaru", "phone": "+51 912 345 678"},
            reason="sin cambios",
            actor=SYSTEM,
        )
    assert received == []
    assert not AuditEvent.objects.filter(action="application.rectify").exists()
