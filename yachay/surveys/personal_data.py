"""What surveys holds about people (the registry: yachay/core/personal_data.py).

An invitation says that a person was asked to answer a survey, and when they answered; an
answer is what they said (their business's sales, customers, employees, their opinions). Both
are the person's data: the access export includes them, a cancellation deletes them (the
response rates and results of past surveys lose the person, as they should). Surveys and their
versions are the program's text and hold nothing about anyone.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yachay.core.personal_data import Category as C
from yachay.core.personal_data import Field, declare
from yachay.core.personal_data import OnCancel as X
from yachay.core.personal_data import Retention as R

ASKED = _("who was asked to answer a survey, and when they answered (response rates)")
ANSWERS = _(
    "the person's answers to the program's surveys (their business, their use of AI, their "
    "opinion of the program): results and the impact study, published only as aggregates"
)

declare(
    "surveys.Survey",
    not_personal="id slug kind title content_hash content current open_days updated_at",
)
declare("surveys.SurveyVersion", not_personal="id survey number content_hash content imported_at")
declare(
    "surveys.Invitation",
    subject="applicant",
    purpose=ASKED,
    delete_rows=True,
    personal={
        "token_hash": Field(C.CREDENTIAL, ASKED, R.PROGRAM, X.ERASE),
        "created_at": Field(C.TECHNICAL, ASKED, R.PROGRAM, X.ERASE),
        "sent_at": Field(C.TECHNICAL, ASKED, R.PROGRAM, X.ERASE),
        "closes_at": Field(C.TECHNICAL, ASKED, R.PROGRAM, X.ERASE),
        "started_at": Field(C.TECHNICAL, ASKED, R.PROGRAM, X.ERASE),
        "submitted_at": Field(C.TECHNICAL, ASKED, R.PROGRAM, X.ERASE),
    },
    not_personal="id survey application version wording",
)
declare(
    "surveys.Answer",
    subject="applicant",
    purpose=ANSWERS,
    delete_rows=True,
    personal={
        "number": Field(C.ECONOMIC, ANSWERS, R.PROGRAM, X.ERASE),
        "text": Field(C.FREE_TEXT, ANSWERS, R.PROGRAM, X.ERASE),
        "choices": Field(C.ECONOMIC, ANSWERS, R.PROGRAM, X.ERASE),
        "updated_at": Field(C.TECHNICAL, ANSWERS, R.PROGRAM, X.ERASE),
    },
    not_personal="id invitation question",
)
