"""The answer page: one page at a time, without JavaScript, saved as the person goes, sent
once; refusals in words."""

from __future__ import annotations

from typing import Any

from django.test import Client

from yachay.surveys.models import Answer, Invitation
from yachay.surveys.selectors import answers
from yachay.surveys.tests.conftest import Live, invited, post, url

BASELINE_PAGE_0 = {
    "situacion": "negocio-propio",
    "employees": "3",
    "monthly_sales_pen": "S/ 4,500.50",
    "customers_month": "120",
}


def fill_baseline(client: Client, token: str, *, uses_ai: str = "si") -> Any:
    assert post(client, token, 0, **BASELINE_PAGE_0).status_code == 302
    r = post(
        client, token, 1, antiguedad="1-3", digital_tools="4", canales_venta=["whatsapp", "redes"],
        uses_ai=uses_ai,
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    return r


def test_a_person_answers_page_by_page_and_sends_once(
    client: Client, live: Live, surveys: Any
) -> None:
    invitation, token = invited(live)
    r = client.get(url(token))
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    body = r.content.decode()
    assert "Página 1 de 3" in body and "<script" not in body
    fill_baseline(client, token)
    r = client.get(url(token) + "?p=2")
    assert "¿Para qué la usas?" in r.content.decode()  # shown: uses_ai = si
    r = post(client, token, 2, action="submit", ai_uses=["textos", "clientes"], confidence_ai="4")
    assert r.status_code == 200 and 'data-state="thanks"' in r.content.decode()
    invitation.refresh_from_db()
    assert invitation.submitted_at is not None and invitation.version is not None
    rows = {
        (q, str(v)) for _, q, v in answers("baseline", ["monthly_sales_pen", "ai_uses", "uses_ai"])
    }
    assert rows == {
        ("monthly_sales_pen", "4500.5"), ("ai_uses", "['textos', 'clientes']"), ("uses_ai", "si"),
    }  # fmt: skip
    # A second submit (double click, another tab) records nothing and says so.
    before = Answer.objects.count()
    r = post(client, token, 2, action="submit", ai_uses=["imagenes"], confidence_ai="1")
    assert r.status_code == 409 and 'data-state="submitted"' in r.content.decode()
    assert Answer.objects.count() == before
    assert Answer.objects.get(invitation=invitation, question="confidence_ai").number == 4


def test_a_condition_skips_a_question_server_side(client: Client, live: Live, surveys: Any) -> None:
    invitation, token = invited(live)
    fill_baseline(client, token, uses_ai="no")
    body = client.get(url(token) + "?p=2").content.decode()
    assert "¿Para qué la usas?" not in body and "confianza" in body
    # A forged post of the hidden question is not stored.
    r = post(client, token, 2, action="submit", ai_uses=["textos"], confidence_ai="2")
    assert r.status_code == 200
    assert not Answer.objects.filter(invitation=invitation, question="ai_uses").exists()


def test_changing_an_earlier_answer_drops_the_answers_it_hid(
    client: Client, live: Live, surveys: Any
) -> None:
    invitation, token = invited(live)
    fill_baseline(client, token, uses_ai="si")
    post(client, token, 2, action="save", ai_uses=["textos"], confidence_ai="3")
    assert Answer.objects.filter(invitation=invitation, question="ai_uses").exists()
    post(client, token, 1, antiguedad="1-3", digital_tools="4", uses_ai="no")
    assert not Answer.objects.filter(invitation=invitation, question="ai_uses").exists()


def test_partial_answers_are_kept_and_the_person_resumes_where_they_left(
    client: Client, live: Live, surveys: Any
) -> None:
    invitation, token = invited(live)
    r = post(client, token, 0, action="save", situacion="trabajo-mype", employees="")
    assert r.status_code == 200 and 'data-state="saved"' in r.content.decode()
    assert Answer.objects.filter(invitation=invitation).count() == 1
    body = Client().get(url(token)).content.decode()  # later, another browser
    assert 'value="trabajo-mype" checked' in body and "Página 1 de 3" in body
    post(client, token, 0, **BASELINE_PAGE_0)
    body = Client().get(url(token)).content.decode()
    assert "Página 2 de 3" in body  # resumes on the first page that needs answers
    invitation.refresh_from_db()
    assert invitation.started_at is not None and invitation.submitted_at is None


def test_wrong_answers_are_refused_next_to_the_question_and_what_was_typed_is_kept(
    client: Client, live: Live, surveys: Any
) -> None:
    invitation, token = invited(live)
    r = post(
        client, token, 0, situacion="inventada", employees="-2", monthly_sales_pen="mucho",
        customers_month="99999999999",
    )  # fmt: skip
    assert r.status_code == 400
    body = r.content.decode()
    assert "Elige una de las opciones" in body
    assert "Escribe un número de 0 a 10 000." in body
    assert 'value="mucho"' in body
    assert "Escribe un número" in body
    assert not Answer.objects.filter(invitation=invitation).exists()
    r = post(client, token, 0, situacion="otro", employees="2.5")
    assert r.status_code == 400 and "sin decimales" in r.content.decode()
    # The valid one was kept even though another was wrong.
    assert Answer.objects.filter(invitation=invitation, question="situacion").exists()


def test_control_characters_and_huge_input_are_refused_in_words(
    client: Client, live: Live, surveys: Any
) -> None:
    invitation, token = invited(live)
    fill_baseline(client, token)
    r = post(client, token, 2, action="save", confidence_ai="3", meta="hola\x07mundo")
    assert r.status_code == 400 and "no están permitidos" in r.content.decode()
    r = post(client, token, 2, action="save", confidence_ai="3", meta="x" * 50_000)
    assert r.status_code == 400 and "demasiado larga" in r.content.decode()
    r = post(client, token, 2, action="save", confidence_ai="3", meta="Ñuqa llamkani, Añaychay")
    assert r.status_code == 200
    assert (
        Answer.objects.get(invitation=invitation, question="meta").text == "Ñuqa llamkani, Añaychay"
    )
    r = post(client, token, 9999, action="save", confidence_ai="9")  # a page that is not
    assert r.status_code == 302  # back to the page to fill, nothing saved
    assert Answer.objects.get(invitation=invitation, question="confidence_ai").number == 3
    r = client.post(url(token), {"page": "x\x00", "action": "next"})
    assert r.status_code == 400


def test_a_forged_or_foreign_token_is_a_404_that_says_nothing(
    client: Client, live: Live, surveys: Any
) -> None:
    invitation, token = invited(live)
    other, other_token = invited(live, i=1)
    for bad in ("x" * 32, token[:-1] + ("A" if token[-1] != "A" else "B"), "Ñ" * 10, "a" * 500):
        r = client.get(url(bad))
        assert r.status_code == 404
        assert (
            "linea-base" not in r.content.decode()
            and "Tu punto de partida" not in r.content.decode()
        )
    # Each token opens its own person's invitation only.
    post(client, other_token, 0, action="save", situacion="otro")
    assert not Answer.objects.filter(invitation=invitation).exists()
    assert Answer.objects.filter(invitation=other).exists()


def test_a_closed_survey_refuses_answers(client: Client, live: Live, surveys: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    invitation, token = invited(live, closes_at=timezone.now() - dt.timedelta(minutes=1))
    assert client.get(url(token)).status_code == 410
    r = post(client, token, 0, **BASELINE_PAGE_0)
    assert r.status_code == 410 and "cerrada" in r.content.decode()
    assert not Answer.objects.exists()
    assert Invitation.objects.get(pk=invitation.pk).started_at is None


def test_submitting_with_a_required_answer_missing_goes_back_to_that_page(
    client: Client, live: Live, surveys: Any
) -> None:
    invitation, token = invited(live)
    post(client, token, 0, action="save", situacion="otro")
    # Jump to the last page by hand and send.
    r = post(client, token, 2, action="submit", confidence_ai="3")
    assert r.status_code == 302 and "p=0" in r["Location"]
    invitation.refresh_from_db()
    assert invitation.submitted_at is None


def test_the_page_speaks_english_to_who_chose_it(client: Client, live: Live, surveys: Any) -> None:
    from django.conf import settings

    _invitation, token = invited(live)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(url(token)).content.decode()
    assert "Where you start from" in body and "I own a business" in body
    assert "Tengo un negocio propio" not in body
    r = post(client, token, 0, situacion="owner")
    assert "Choose one of the options shown." in r.content.decode()


def test_someone_signed_in_as_another_person_gets_a_404(
    client: Client, live: Live, surveys: Any
) -> None:
    _invitation, token = invited(live, i=0)
    _other, own_token = invited(live, i=1)
    client.force_login(live.learners[1])
    r = client.get(url(token))
    assert r.status_code == 404 and "punto de partida" not in r.content.decode()
    assert post(client, token, 0, situacion="otro").status_code == 404
    assert not Answer.objects.exists()
    assert client.get(url(own_token)).status_code == 200


def test_numbers_a_machine_reads_but_a_person_does_not_write_are_refused_as_typed(
    client: Client, live: Live, surveys: Any
) -> None:
    """NaN, infinity, exponents: refused in words (400, not a 500), shown back as typed."""
    _invitation, token = invited(live)
    for typed in ("NaN", "inf", "-Infinity", "1e400", "1e3"):
        r = post(client, token, 0, action="save", situacion="negocio-propio", employees=typed)
        assert r.status_code == 400, typed
        assert f'value="{typed}"' in r.content.decode()


def test_answers_for_a_page_not_shown_are_not_saved_and_blank_nothing(
    client: Client, live: Live, surveys: Any
) -> None:
    """A tampered or stale form (a page number that is not a page shown now) changes
    nothing: before, the answers of another page were blanked."""
    invitation, token = invited(live)
    post(client, token, 0, **BASELINE_PAGE_0)
    before = set(Answer.objects.filter(invitation=invitation).values_list("question", "text"))
    for page in ("99", "abc", ""):
        r = client.post(
            url(token), {"page": page, "action": "save", "q-antiguedad": "1-3", "q-uses_ai": "no"}
        )
        assert r.status_code == 302 and "?p=1" in r["Location"]
    after = set(Answer.objects.filter(invitation=invitation).values_list("question", "text"))
    assert after == before and len(before) == 4
