"""Staff certificates pages: issuing for a cohort or a call after a review page, re-issuing
or revoking one certificate from the learner's page after a confirmation; program admins
act, coordinators look (their departments), nobody else gets in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yachay.accounts.models import User
from yachay.certificates.models import Certificate, Issuer
from yachay.cohorts.models import Enrollment
from yachay.core.models import AuditEvent
from yachay.learning.tests.conftest import Learning, learning, live  # noqa: F401

HOME = "/personal/certificados/"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"  # the tests read the English words
    return client


def complete(*enrollments: Enrollment) -> None:
    Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]).update(
        status="completed", status_changed_at=timezone.now()
    )


@pytest.fixture
def cohort_done(learning: Learning, signing_dir: Any) -> Learning:  # noqa: F811
    """Two of the cohort's three learners completed (Cusco, Lima); Puno is still active."""
    program = learning.live.cohort.track.program
    Issuer.objects.create(name="Ministerio de la Producción").programs.add(program)
    complete(*learning.live.enrollments[:2])
    return learning


def issue_url(kind: str, pk: int) -> str:
    return f"{HOME}emitir/{kind}/{pk}/"


def test_an_admin_reviews_the_cohort_and_issues_after_confirming(
    cohort_done: Learning, users: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(users["admin"])
    url = issue_url("cohorte", cohort_done.live.cohort.pk)
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    assert "2 learners completed and have no certificate yet." in body
    assert "1 learner has not completed" in body
    assert "Ñahui, Yupanqui" in body and "Peña, Rosa" in body and "Mamani" not in body
    assert 'id="issue-button"' in body
    # Not ticked: nothing issued, the list still there.
    page = client.post(url, {"expected": "2"})
    assert page.status_code == 422 and "Tick the box" in page.content.decode()
    assert not Certificate.objects.exists()
    # A list that changed since it was shown (expected 3): shown again, nothing issued.
    page = client.post(url, {"expected": "3", "confirm": "on"})
    assert page.status_code == 422 and "The list changed" in page.content.decode()
    assert not Certificate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, {"expected": "2", "confirm": "on"}, follow=True)
    assert "2 certificates are being issued" in page.content.decode()
    assert Certificate.objects.count() == 2
    event = AuditEvent.objects.get(action="certificate.issue_batch")
    assert event.changes == {"enrollments": 2} and event.object_type.endswith("cohort")
    # The page now says so; a second submit (double click, back button) issues nothing.
    assert "Nobody is waiting for a certificate here." in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"expected": "2", "confirm": "on"})
    assert Certificate.objects.count() == 2


def test_issuing_for_a_call_covers_its_cohorts_and_counts_in_fixed_queries(
    cohort_done: Learning, users: Any, django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    complete(Enrollment.objects.get(user=cohort_done.live.outsider))
    client = signed_in(users["admin"])
    call = cohort_done.live.cohort.call
    url = issue_url("convocatoria", call.pk)
    with django_assert_max_num_queries(12):
        body = client.get(url).content.decode()
    assert "3 learners completed" in body and "Virtual noche" in body
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"expected": "3", "confirm": "on"})
    assert Certificate.objects.count() == 3
    with django_assert_max_num_queries(14):
        home = client.get(HOME).content.decode()
    assert call.title in home and "Cusco tarde" in home


def test_a_coordinator_sees_their_departments_but_cannot_issue(
    cohort_done: Learning, users: Any
) -> None:
    client = signed_in(users["coordinator"])  # Cusco (08) and Puno (21)
    url = issue_url("cohorte", cohort_done.live.cohort.pk)
    body = client.get(url).content.decode()
    assert "1 learner completed and has no certificate yet." in body  # Lima not theirs
    assert "Peña" not in body and 'id="issue-button"' not in body
    assert client.post(url, {"expected": "1", "confirm": "on"}).status_code == 403
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("role", ["instructor", "learner"])
def test_instructors_and_learners_are_refused(cohort_done: Learning, users: Any, role: str) -> None:
    client = signed_in(users[role])
    assert client.get(HOME).status_code == 403
    assert client.get(issue_url("cohorte", cohort_done.live.cohort.pk)).status_code == 403


def test_signed_out_staff_are_sent_to_sign_in_and_unknown_scopes_are_not_found(
    cohort_done: Learning, users: Any
) -> None:
    page = Client().get(HOME)
    assert page.status_code == 302 and "/personal/entrar/" in page["Location"]
    client = signed_in(users["admin"])
    assert client.get(issue_url("cohorte", 987654)).status_code == 404
    assert client.get(issue_url("nada", cohort_done.live.cohort.pk)).status_code == 404
    assert client.get(f"{HOME}aprendiz/987654/").status_code == 404


def test_an_admin_reissues_from_the_learners_page_after_a_confirmation(
    issued: Certificate, users: Any
) -> None:
    client = signed_in(users["admin"])
    url = f"{HOME}aprendiz/{issued.user_id}/"
    body = client.get(url).content.decode()
    assert issued.code in body and "Re-issue" in body
    # No reason: the page again, with the message.
    page = client.post(url, {"code": issued.code, "action": "reissue", "reason": " "})
    assert page.status_code == 422 and "Write the reason." in page.content.decode()
    page = client.post(url, {"code": issued.code, "action": "reissue", "reason": "a\x01b"})
    assert page.status_code in (400, 422)
    # The review step changes nothing.
    form = {"code": issued.code, "action": "reissue", "reason": "Nuevo logotipo del ministerio"}
    page = client.post(url, form)
    assert page.status_code == 200 and 'id="confirm-button"' in page.content.decode()
    assert Certificate.objects.count() == 1
    page = client.post(url, form | {"confirmed": "on"}, follow=True)
    new = Certificate.objects.get(revoked_at__isnull=True)
    assert new.replaces_id == issued.pk
    assert f"the new certificate is {new.code}" in page.content.decode()
    assert AuditEvent.objects.filter(action="certificate.reissue").count() == 1
    # The same confirmation again (double submit): refused in words, nothing new.
    page = client.post(url, form | {"confirmed": "on"}, follow=True)
    assert "already revoked" in page.content.decode()
    assert Certificate.objects.count() == 2


def test_an_admin_revokes_from_the_learners_page_and_a_coordinator_cannot(
    issued: Certificate, users: Any
) -> None:
    url = f"{HOME}aprendiz/{issued.user_id}/"
    form = {
        "code": issued.code,
        "action": "revoke",
        "reason": "Matrícula anulada",
        "confirmed": "on",
    }
    coordinator = signed_in(users["coordinator"])  # the learner is from Cusco: theirs
    body = coordinator.get(url).content.decode()
    assert issued.code in body and "Re-issue" not in body
    assert coordinator.post(url, form).status_code == 403
    signed_in(users["admin"]).post(url, form)
    issued.refresh_from_db()
    assert issued.revoked and issued.revocation_reason == "Matrícula anulada"
    assert Certificate.objects.count() == 1


def test_the_search_finds_by_code_typed_loosely_and_by_name(
    issued: Certificate, users: Any
) -> None:
    client = signed_in(users["admin"])
    loose = issued.code.lower().replace("-", " ")
    body = client.get(HOME, {"q": loose}).content.decode()
    assert f"{HOME}aprendiz/{issued.user_id}/" in body
    body = client.get(HOME, {"q": issued.full_name.split()[0].lower()}).content.decode()
    assert issued.code in body
    for junk in ("<script>", "x" * 5000, "' OR 1=1 --"):
        page = client.get(HOME, {"q": junk})
        assert page.status_code == 200 and "No certificate matches." in page.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "emitir/cohorte/99999999999999999999999999/",
        "emitir/convocatoria/99999999999999999999999999/",
        "aprendiz/99999999999999999999999999/",
        "emitir/%00/1/",
    ],
)
def test_junk_in_the_address_is_not_found_never_an_error(
    cohort_done: Learning, users: Any, path: str
) -> None:
    assert signed_in(users["admin"]).get(HOME + path).status_code in (400, 404)


def test_a_completion_undone_before_the_task_issues_nothing_and_after_keeps_the_certificate(
    issued: Certificate, users: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from yachay.certificates.tasks import issue_certificate

    # Another enrollment completed, then dropped before its task ran: nothing issued.
    other = Enrollment.objects.exclude(pk=issued.enrollment_id).first()
    assert other is not None
    Enrollment.objects.filter(pk=other.pk).update(status="dropped")
    assert issue_certificate.call(enrollment_id=other.pk) is None
    # The certified enrollment dropped afterwards: the certificate stays valid (it was
    # earned); the staff page says so, and an admin may revoke it there.
    Enrollment.objects.filter(pk=issued.enrollment_id).update(status="dropped")
    assert issue_certificate.call(enrollment_id=issued.enrollment_id) is None
    issued.refresh_from_db()
    assert not issued.revoked and Certificate.objects.count() == 1
    client = signed_in(users["admin"])
    body = client.get(f"{HOME}aprendiz/{issued.user_id}/").content.decode()
    assert "no longer completed" in body and "Revoke" in body
    cohort = issued.enrollment.cohort
    assert cohort is not None
    body = client.get(issue_url("cohorte", cohort.pk)).content.decode()
    assert "Nobody is waiting for a certificate here." in body
