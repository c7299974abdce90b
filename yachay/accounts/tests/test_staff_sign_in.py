"""Staff sign in with a username or email and a password, reset it by email, and sign out
with a POST; every page has a header with the person's links and a footer; a refusal is a
Spanish 403 page, not a server error in the logs."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from yachay.accounts.models import Role, User
from yachay.accounts.services import user_create
from yachay.core.actors import SYSTEM
from yachay.programs.models import Call

PASSWORD = "x-Secret-9"


@pytest.fixture
def instructor(db: None) -> User:
    return user_create(
        username="ines.condori", email="ines@example.pe", password=PASSWORD,
        role=Role.INSTRUCTOR, first_name="Inés", last_name="Condori", actor=SYSTEM,
    )  # fmt: skip


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/personal/entrar/", {"username": username, "password": password, **extra})


# --- Signing in ----------------------------------------------------------------------------


def test_the_staff_sign_in_page_is_in_spanish_and_links_to_the_learners_one(
    client: Client, db: None
) -> None:
    body = client.get("/personal/entrar/").content.decode()
    assert "Entrada del personal" in body and "Contraseña" in body
    assert 'href="/personal/contrasena/"' in body and "¿Olvidaste tu contraseña?" in body
    assert 'href="/entrar/"' in body and "¿Eres participante?" in body
    assert 'autocomplete="current-password"' in body
    learner_page = client.get("/entrar/").content.decode()
    assert 'href="/personal/entrar/"' in learner_page


@pytest.mark.parametrize("typed", ["ines.condori", "INES@example.pe", " ines@example.pe "])
def test_an_instructor_signs_in_with_username_or_email_and_lands_on_their_home(
    client: Client, instructor: User, typed: str
) -> None:
    r = sign_in(client, typed)
    assert r.status_code == 302 and r["Location"] == "/personal/"
    home = client.get("/personal/")
    assert home.status_code == 200 and "Hola, Inés" in home.content.decode()


def test_a_wrong_password_is_refused_with_a_clear_spanish_message_and_the_username_kept(
    client: Client, instructor: User
) -> None:
    r = sign_in(client, "ines.condori", "wrong-password")
    body = r.content.decode()
    assert r.status_code == 200 and 'role="alert"' in body
    assert "no coinciden" in body
    assert 'value="ines.condori"' in body
    assert "_auth_user_id" not in client.session


def test_empty_fields_say_what_is_missing(client: Client, db: None) -> None:
    body = sign_in(client, "", "").content.decode()
    assert "Escribe tu usuario o tu correo." in body and "Escribe tu contraseña." in body


def test_an_address_shared_by_two_accounts_signs_in_neither(
    client: Client, instructor: User
) -> None:
    user_create(
        username="otra", email="ines@example.pe", password=PASSWORD, role=Role.INSTRUCTOR,
        actor=SYSTEM,
    )  # fmt: skip
    assert sign_in(client, "ines@example.pe").status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_learner_without_a_password_cannot_sign_in_here(client: Client, db: None) -> None:
    user_create(username="urpi", email="urpi@example.pe", role=Role.LEARNER, actor=SYSTEM)
    assert sign_in(client, "urpi@example.pe", "").status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "path",
    ["/personal/", "/cohortes/", "/cohortes/1/", "/cohortes/sesiones/1/", "/cohortes/1/progreso/"],
)
def test_staff_pages_send_a_signed_out_person_to_the_staff_sign_in_and_back(
    client: Client, instructor: User, path: str
) -> None:
    r = client.get(path)
    assert r.status_code == 302 and r["Location"] == f"/personal/entrar/?next={path}"
    page = client.get(r["Location"]).content.decode()
    assert f'name="next" value="{path}"' in page
    assert sign_in(client, "ines.condori", next=path)["Location"] == path


def test_an_outside_next_address_is_ignored(client: Client, instructor: User) -> None:
    r = sign_in(client, "ines.condori", next="https://evil.example/")
    assert r["Location"] == "/personal/"


def test_learner_pages_still_send_to_the_email_link_page(client: Client, db: None) -> None:
    assert client.get("/mi-cuenta/")["Location"].startswith("/entrar/")
    assert client.get("/aprender/")["Location"].startswith("/entrar/")


def test_a_signed_in_person_opening_the_sign_in_page_goes_home(
    client: Client, instructor: User
) -> None:
    client.force_login(instructor)
    assert client.get("/personal/entrar/")["Location"] == "/personal/"


def test_a_learner_who_signs_in_here_goes_to_their_page(client: Client, db: None) -> None:
    user_create(username="killa", password=PASSWORD, role=Role.LEARNER, actor=SYSTEM)
    sign_in(client, "killa")
    assert client.get("/personal/")["Location"] == "/mi-cuenta/"


def test_sign_in_attempts_are_rate_limited(client: Client, instructor: User, settings: Any) -> None:
    settings.YACHAY_RATELIMIT_FORM = "3/60"
    codes = [sign_in(client, "ines.condori", "nope").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


# --- Password reset by email ---------------------------------------------------------------


def test_forgot_password_mails_a_spanish_link_that_sets_a_new_password(
    client: Client, instructor: User
) -> None:
    r = client.post("/personal/contrasena/", {"email": "INES@example.pe"})
    assert r.status_code == 302 and r["Location"] == "/personal/contrasena/enviada/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ines@example.pe"]
    assert "contraseña" in message.subject.lower() and "Hola, Inés" in str(message.body)
    assert "ines.condori" in str(message.body)  # reminds the username
    link = re.search(r"http://testserver(/personal/contrasena/\S+/\S+/)", str(message.body))
    assert link
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Quinua-y-Maiz-2027", "new_password2": "Quinua-y-Maiz-2027"},
    )
    assert done["Location"] == "/personal/contrasena/lista/"
    client.logout()
    assert sign_in(client, "ines.condori", "Quinua-y-Maiz-2027").status_code == 302
    # The link is spent.
    client.logout()
    spent = client.get(link.group(1), follow=True).content.decode()
    assert "ya no es válido" in spent


def test_forgot_password_answers_the_same_for_an_unknown_address(
    client: Client, instructor: User
) -> None:
    r = client.post("/personal/contrasena/", {"email": "nadie@example.pe"})
    assert r.status_code == 302 and r["Location"] == "/personal/contrasena/enviada/"
    assert mail.outbox == []


def test_forgot_password_says_what_is_wrong_with_the_address(client: Client, db: None) -> None:
    body = client.post("/personal/contrasena/", {"email": "no-es-correo"}).content.decode()
    assert 'class="err"' in body and 'value="no-es-correo"' in body


def test_new_passwords_that_do_not_match_are_answered_next_to_the_field(
    client: Client, instructor: User
) -> None:
    client.post("/personal/contrasena/", {"email": "ines@example.pe"})
    link = re.search(r"http://testserver(/personal/contrasena/\S+/\S+/)", str(mail.outbox[0].body))
    assert link
    form = client.get(link.group(1), follow=True)
    r = client.post(
        form.redirect_chain[-1][0], {"new_password1": "Quinua-2027-x", "new_password2": "otra"}
    )
    assert r.status_code == 200 and 'class="err"' in r.content.decode()


# --- Signing out ---------------------------------------------------------------------------


def test_sign_out_is_a_post_that_goes_home_with_a_message(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    assert client.get("/salir/").status_code == 405
    assert "_auth_user_id" in client.session
    r = client.post("/salir/", follow=True)
    assert r.redirect_chain[0] == ("/", 302)
    assert "_auth_user_id" not in client.session
    assert "Cerraste sesión" in r.content.decode()


# --- Header and footer ---------------------------------------------------------------------


def test_the_header_shows_the_persons_name_role_links_and_a_sign_out_form(
    client: Client, users: dict[str, User]
) -> None:
    learner, coordinator = users["learner"], users["coordinator"]
    learner.first_name, learner.last_name = "Luz", "Quispe"
    learner.save()
    client.force_login(learner)
    body = client.get("/").content.decode()
    assert "Luz Quispe" in body and 'href="/aprender/"' in body and 'href="/mi-cuenta/"' in body
    assert re.search(r'<form method="post" action="/salir/">', body) and "Cerrar sesión" in body
    assert 'href="/personal/"' not in body
    client.force_login(coordinator)
    body = client.get("/").content.decode()
    assert 'href="/personal/"' in body and 'href="/cohortes/"' in body
    assert 'href="/admin/"' in body  # coordinators are admin staff
    client.force_login(users["instructor"])
    body = client.get("/").content.decode()
    assert 'href="/personal/"' in body and 'href="/admin/"' not in body


def test_a_signed_out_visitor_sees_no_account_links(client: Client, db: None) -> None:
    body = client.get("/").content.decode()
    assert 'action="/salir/"' not in body and 'href="/entrar/"' in body


@pytest.mark.parametrize(
    ("path", "words"),
    [
        (
            "/privacidad/",
            ["Ley N.º 29733", "ARCO", "Acceso", "Rectificación", "datos@yachay.local"],
        ),
        ("/ayuda/", ["ayuda@yachay.local", "/personal/entrar/", "/entrar/"]),
        ("/accesibilidad/", ["WCAG", "2.2", "AA", "ayuda@yachay.local"]),
    ],
)
def test_the_footer_pages_are_linked_from_every_page_and_say_what_they_must(
    client: Client, db: None, path: str, words: list[str]
) -> None:
    assert f'href="{path}"' in client.get("/").content.decode()
    body = client.get(path).content.decode()
    for word in words:
        assert word in body


def test_the_privacy_notice_names_the_configured_organiser_and_address(
    client: Client, db: None, settings: Any
) -> None:
    settings.YACHAY_ORGANISER = "Presidencia del Consejo de Ministros"
    settings.YACHAY_PRIVACY_EMAIL = "protecciondatos@pcm.example"
    body = client.get("/privacidad/").content.decode()
    assert "Presidencia del Consejo de Ministros" in body
    assert 'href="mailto:protecciondatos@pcm.example"' in body


# --- Mi cuenta, the admin, refusals --------------------------------------------------------


def test_my_account_greets_staff_by_name_with_their_links(client: Client, instructor: User) -> None:
    client.force_login(instructor)
    body = client.get("/mi-cuenta/").content.decode()
    assert "Hola, Inés" in body and "Inés Condori" in body
    assert 'href="/personal/"' in body and 'href="/cohortes/"' in body
    assert "Aún no tienes un lugar" not in body


def test_the_admin_links_a_coordinator_to_their_home_and_cohorts(
    client: Client, users: dict[str, User]
) -> None:
    client.force_login(users["coordinator"])
    body = client.get("/admin/").content.decode()
    assert 'href="/personal/"' in body and 'href="/cohortes/"' in body


def test_the_admin_sign_in_page_points_other_staff_to_the_product(client: Client, db: None) -> None:
    assert 'href="/personal/entrar/"' in client.get("/admin/login/").content.decode()


def test_a_refusal_is_a_spanish_403_page_logged_without_a_traceback(
    client: Client, users: dict[str, User], call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    from yachay.cohorts.models import Cohort
    from yachay.programs.models import Track

    track = Track.objects.create(program=call.program, name="T", slug="t")
    lima = Cohort.objects.create(
        call=call, track=track, name="Lima mañana", modality="in_person", department="15",
        slot="morning", capacity=10, starts_on="2027-03-01", ends_on="2027-04-01",
    )  # fmt: skip
    client.force_login(users["coordinator"])  # Cusco and Puno
    with caplog.at_level(logging.INFO):
        r = client.get(f"/cohortes/{lima.pk}/")
    body = r.content.decode()
    assert r.status_code == 403 and "No puedes ver esta página" in body
    assert 'href="/personal/"' in body and 'lang="es"' in body
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    refused = [rec for rec in caplog.records if rec.name == "django.request"]
    assert refused and all(rec.exc_info is None for rec in refused)
