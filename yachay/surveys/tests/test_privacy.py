"""Answers are personal data: the person's access export shows their invitations and
answers; a cancellation deletes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from yachay.core.actors import SYSTEM
from yachay.learning.tests.conftest import learning  # noqa: F401 - the fixture
from yachay.privacy.services import person_access_export, person_cancel, person_from_user
from yachay.privacy.tests.conftest import History, history  # noqa: F401 - the fixture
from yachay.surveys import services
from yachay.surveys.models import Answer, Invitation

pytestmark = pytest.mark.django_db

SAID = "vendo chompas de alpaca en Sicuani"


@pytest.fixture
def answered(history: History) -> Invitation:  # noqa: F811
    services.surveys_import_all(folder=Path(settings.BASE_DIR) / "content" / "surveys")
    invitation = services.invite(history.application, "fin-de-curso", send=False)
    services.answer_submit(
        invitation,
        {"satisfaction": 5, "useful": 4, "pace": "adecuado", "recommend": 5,
         "will_apply": ["ventas"], "first_step": SAID},
    )  # fmt: skip
    return invitation


def test_the_access_export_holds_the_persons_invitations_and_answers(
    history: History,  # noqa: F811
    answered: Invitation,
) -> None:
    export = person_access_export(person=person_from_user(history.user), actor=SYSTEM)
    models = {t["model"] for t in export["tables"]}
    assert {"surveys.Invitation", "surveys.Answer"} <= models
    assert SAID in json.dumps(export, ensure_ascii=False)


def test_a_cancellation_deletes_the_persons_answers(
    history: History,  # noqa: F811
    answered: Invitation,
) -> None:
    person_cancel(person=person_from_user(history.user), actor=SYSTEM, reason="ARCO")
    assert not Invitation.objects.filter(pk=answered.pk).exists()
    assert not Answer.objects.filter(text=SAID).exists()
