"""Program admins handle ARCO cases: the list (overdue first), review and confirm, answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from yachay.accounts.models import User
from yachay.core.actors import PUBLIC, SYSTEM
from yachay.core.models import AuditEvent
from yachay.intake.models import Application
from yachay.privacy import services
from yachay.privacy.models import Case

EMAIL = "illari.quispe@example.pe"
pytestmark = pytest.mark.usefixtures("after_commit_now")


def open_case(kind: str, app: Application, **details: Any) -> Case:
    case = services.case_open(
        kind=kind, route=Case.Route.EMAIL, email=app.email, actor=PUBLIC, details=details
    )
    return services.case_confirm(token=services.confirmation_token(case), actor=PUBLIC)


def staff(client: Client, users: dict[str, User], role: str = "admin") -> Client:
    client.force_login(users[role])
    return client


@pytest.mark.parametrize("role", ["coordinator", "instructor", "learner"])
def test_only_program_admins_see_the_cases(
    client: Client, users: dict[str, User], applicant: Application, role: str
) -> None:
    case = open_case(Case.Kind.RECTIFICATION, applicant, changes={"given_names": "Killa"})
    staff(client, users, role)
    assert client.get(reverse("privacy:staff_cases")).status_code == 403
    assert client.get(reverse("privacy:staff_case", args=[case.code])).status_code == 403
    response = client.post(reverse("privacy:staff_case", args=[case.code]), {"action": "take"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Case.Status.CONFIRMED


def test_signed_out_staff_pages_ask_to_sign_in(client: Client) -> None:
    assert client.get(reverse("privacy:staff_cases")).status_code == 302


def test_overdue_cases_come_first_and_the_list_has_a_fixed_number_of_queries(
    client: Client,
    users: dict[str, User],
    applicant: Application,
    django_assert_max_num_queries: Any,
) -> None:
    later = open_case(Case.Kind.RECTIFICATION, applicant, changes={"given_names": "Killa"})
    late = open_case(Case.Kind.CANCELLATION, applicant)
    Case.objects.filter(pk=late.pk).update(due_on=dt.date(2026, 1, 5))
    answered = open_case(Case.Kind.ACCESS, applicant)  # answered at once: listed under "closed"
    staff(client, users)
    page = client.get(reverse("privacy:staff_cases")).content.decode()
    assert page.index(late.reference) < page.index(later.reference)
    assert answered.reference not in page
    assert "días hábiles de retraso" in page
    assert (
        answered.reference
        in client.get(reverse("privacy:staff_cases") + "?ver=closed").content.decode()
    )
    with django_assert_max_num_queries(8):
        client.get(reverse("privacy:staff_cases") + "?ver=all")
    for _ in range(5):
        open_case(Case.Kind.CANCELLATION, applicant)
    with django_assert_max_num_queries(8):
        client.get(reverse("privacy:staff_cases") + "?ver=all")


def test_an_unconfirmed_request_is_not_a_case_yet(
    client: Client, users: dict[str, User], applicant: Application
) -> None:
    case = services.case_open(
        kind=Case.Kind.ACCESS, route=Case.Route.EMAIL, email=EMAIL, actor=PUBLIC
    )
    staff(client, users)
    assert (
        case.reference
        not in client.get(reverse("privacy:staff_cases") + "?ver=all").content.decode()
    )
    assert client.get(reverse("privacy:staff_case", args=[case.code])).status_code == 404


def test_a_guessed_code_is_a_404_for_staff(client: Client, users: dict[str, User]) -> None:
    staff(client, users)
    assert client.get("/personal/privacidad/solicitudes/1/").status_code == 404
    assert client.get("/personal/privacidad/solicitudes/" + "A" * 30 + "/").status_code == 404


def test_approving_a_rectification_is_reviewed_then_corrects_the_application(
    client: Client, users: dict[str, User], applicant: Application
) -> None:
    case = open_case(Case.Kind.RECTIFICATION, applicant, changes={"given_names": "Ch'aska Ñusta"})
    staff(client, users)
    url = reverse("privacy:staff_case", args=[case.code])
    review = client.post(url, {"action": "approve"})
    assert review.status_code == 200
    assert "Sí, hacer la rectificación" in review.content.decode()
    applicant.refresh_from_db()
    assert applicant.given_names == "Illari Ñusta"  # nothing yet
    done = client.post(url, {"action": "approve_confirmed"})
    assert done.status_code == 302
    applicant.refresh_from_db()
    case.refresh_from_db()
    assert applicant.given_names == "Ch'aska Ñusta"
    assert case.status == Case.Status.ANSWERED and case.handled_by == users["admin"]
    assert mail.outbox[-1].to == [EMAIL]
    assert "Corregimos tus datos" in mail.outbox[-1].body
    assert AuditEvent.objects.filter(action="privacy.case_answer", object_id=str(case.pk)).exists()
    again = client.post(url, {"action": "approve_confirmed"})  # a double submit
    assert again.status_code == 409
    assert "ya está cerrada" in again.content.decode()


def test_a_rectification_invalid_at_approval_changes_nothing(
    client: Client, users: dict[str, User], applicant: Application
) -> None:
    # Valid when asked, refused by intake's rules when applied: the person would be 15.
    case = open_case(Case.Kind.RECTIFICATION, applicant, changes={"birth_date": "2011-05-04"})
    staff(client, users)
    response = client.post(
        reverse("privacy:staff_case", args=[case.code]), {"action": "approve_confirmed"}
    )
    assert response.status_code == 409
    assert "no es válida" in response.content.decode()
    applicant.refresh_from_db()
    case.refresh_from_db()
    assert applicant.birth_date == dt.date(1990, 5, 4)
    assert case.status == Case.Status.CONFIRMED


def test_rejecting_needs_a_reason_and_tells_the_person(
    client: Client, users: dict[str, User], applicant: Application
) -> None:
    case = open_case(Case.Kind.RECTIFICATION, applicant, changes={"given_names": "Killa"})
    staff(client, users)
    url = reverse("privacy:staff_case", args=[case.code])
    empty = client.post(url, {"action": "reject", "reason": "   "})
    assert empty.status_code == 409
    assert "Di por qué" in empty.content.decode()
    client.post(url, {"action": "reject", "reason": "El DNI no coincide con RENIEC."})
    case.refresh_from_db()
    assert case.status == Case.Status.REJECTED
    assert "El DNI no coincide con RENIEC." in mail.outbox[-1].body


def test_taking_a_case_names_who_handles_it(
    client: Client, users: dict[str, User], applicant: Application
) -> None:
    case = open_case(Case.Kind.CANCELLATION, applicant)
    staff(client, users)
    client.post(reverse("privacy:staff_case", args=[case.code]), {"action": "take"})
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS and case.handled_by == users["admin"]
    assert AuditEvent.objects.filter(action="privacy.case_take").count() == 1


def test_a_cancellation_is_reviewed_then_carried_out_and_the_address_forgotten(
    client: Client, users: dict[str, User], applicant: Application
) -> None:
    case = open_case(Case.Kind.CANCELLATION, applicant)
    staff(client, users)
    url = reverse("privacy:staff_case", args=[case.code])
    review = client.post(url, {"action": "cancel"}).content.decode()
    assert "No se puede deshacer" in review
    assert "Qué se conserva y por qué" in review
    applicant.refresh_from_db()
    assert applicant.email == EMAIL  # nothing yet
    client.post(url, {"action": "cancel_confirmed"})
    case.refresh_from_db()
    assert case.status == Case.Status.ANSWERED
    assert mail.outbox[-1].to == [EMAIL]  # the answer reached the person...
    assert case.email == ""  # ...and then the case forgot the address
    applicant.refresh_from_db()
    assert applicant.email != EMAIL


def test_an_unknown_action_is_refused_in_words(
    client: Client, users: dict[str, User], applicant: Application
) -> None:
    case = open_case(Case.Kind.CANCELLATION, applicant)
    staff(client, users)
    response = client.post(reverse("privacy:staff_case", args=[case.code]), {"action": "\x00drop"})
    assert response.status_code in (400, 409)


def test_the_deadline_is_counted_in_business_days(applicant: Application) -> None:
    case = open_case(Case.Kind.ACCESS, applicant)
    rect = open_case(Case.Kind.RECTIFICATION, applicant, changes={"given_names": "Killa"})
    assert case.due_on is not None and rect.due_on is not None
    assert case.due_on > rect.due_on
    assert case.due_on.weekday() < 5 and rect.due_on.weekday() < 5


def test_services_refuse_a_wrong_kind(applicant: Application) -> None:
    case = open_case(Case.Kind.CANCELLATION, applicant)
    with pytest.raises(services.CaseRefused):
        services.case_rectify(case=case, actor=SYSTEM)


def test_a_cancellation_of_a_staff_account_is_refused_in_words(
    client: Client, users: dict[str, User]
) -> None:
    coordinator = users["coordinator"]
    User.objects.filter(pk=coordinator.pk).update(email="carlos@example.pe")
    client.force_login(coordinator)
    client.post(reverse("privacy:request", args=["cancelacion"]), {"understood": "on"})
    case = Case.objects.get()
    staff(client, users)
    url = reverse("privacy:staff_case", args=[case.code])
    page = client.get(url).content.decode()
    assert "cuenta del personal" in page
    assert 'value="cancel"' not in page  # no button to carry it out
    response = client.post(url, {"action": "cancel_confirmed"})
    assert response.status_code == 409
    coordinator.refresh_from_db()
    assert coordinator.is_active and coordinator.email == "carlos@example.pe"


def test_my_account_links_to_the_data_rights(client: Client, users: dict[str, User]) -> None:
    client.force_login(users["learner"])
    assert reverse("privacy:rights") in client.get(reverse("cohorts:me")).content.decode()


def test_the_access_download_holds_the_persons_data_and_not_others(
    client: Client, users: dict[str, User], applicant: Application, call: Any
) -> None:
    from yachay.privacy.tests.conftest import make_application

    other = make_application(call, dni="41234567", email="otra@example.pe", given_names="Wayra")
    case = open_case(Case.Kind.ACCESS, applicant)
    page = client.get(reverse("privacy:download", args=[case.code, "html"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert applicant.reference in text and "Illari" in text
    assert other.reference not in text and "Wayra" not in text
    data = client.get(reverse("privacy:download", args=[case.code, "json"])).content.decode()
    assert applicant.reference in data and other.reference not in data
