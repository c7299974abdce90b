"""A quiz form, read without JavaScript: what the learner ticked and typed, as grading answers.

Field names are ``q.<question id>`` (and ``q.<question id>.<item id>`` for an ordering
question's positions). Ids are lowercase letters, digits and hyphens, so the dots cannot
collide, nor can ``_attempt`` (the attempt number the form was shown for).

Ordering questions, without JavaScript: each item, shown in a shuffled order with its full
text as the label, has a small ``<select>`` of positions (1, 2, 3…). A select per *position*
listing the items would hide long item texts inside closed selects on a narrow phone; a
number per item keeps every text readable and needs one tap and one choice per item.

Only answers a learner can give by mistake are refused here (an order that leaves out or
repeats a position); anything else goes to the grader as sent, which refuses what the page
cannot have sent (an unknown option, a word in a number field) with
:class:`~yachay.learning.services.LearningRefused`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

ATTEMPT_FIELD = "_attempt"


@dataclass
class QuestionField:
    """One question of the form, with what the learner sent (to show it again) and the
    message about it, if any."""

    question: dict[str, Any]  # as selectors.quiz_for_display gives it
    number: int  # 1, 2, 3… on the page
    value: str = ""  # single, true_false, numeric, text
    chosen: list[str] = field(default_factory=list)  # multiple
    positions: dict[str, str] = field(default_factory=dict)  # ordering: item id -> "1".."n"
    error: str = ""

    @property
    def id(self) -> str:
        return str(self.question["id"])

    @property
    def type(self) -> str:
        return str(self.question["type"])

    @property
    def name(self) -> str:
        return f"q.{self.id}"

    @property
    def places(self) -> list[str]:
        """The positions an ordering question offers: "1" to the number of items."""
        return [str(i) for i in range(1, len(self.question.get("items") or ()) + 1)]

    @property
    def items(self) -> list[tuple[dict[str, Any], str, str]]:
        """Ordering: (item, field name, chosen position) for each item, in the shown order."""
        return [
            (item, f"{self.name}.{item['id']}", self.positions.get(item["id"], ""))
            for item in self.question.get("items") or ()
        ]


def quiz_fields(questions: list[dict[str, Any]]) -> list[QuestionField]:
    return [QuestionField(question=q, number=i) for i, q in enumerate(questions, start=1)]


def read_answers(
    fields: list[QuestionField], data: QueryDict | Mapping[str, Any]
) -> tuple[dict[str, object], bool]:
    """Fill ``fields`` with what was sent and return (answers for the grader, all valid).

    An empty field is "not answered" (``None`` is left out of the answers).
    """
    answers: dict[str, object] = {}
    valid = True
    getlist = getattr(data, "getlist", lambda key: [data[key]] if key in data else [])
    for f in fields:
        answer: object = None
        if f.type == "multiple":
            f.chosen = [str(v) for v in getlist(f.name)]
            answer = f.chosen or None
        elif f.type == "ordering":
            answer, f.error = _ordering(f, data)
            valid = valid and not f.error
        else:
            f.value = str(data.get(f.name) or "")
            if f.value.strip():
                answer = f.value
                if f.type == "true_false" and f.value in ("true", "false"):
                    answer = f.value == "true"
                # Anything else goes as sent: the grader refuses a value the page cannot send.
        if answer is not None:
            answers[f.id] = answer
    return answers, valid


def require_every_answer(fields: list[QuestionField], answers: Mapping[str, object]) -> bool:
    """Mark each question left without an answer (and without another message); True when
    every question has one."""
    for f in fields:
        if f.id not in answers and not f.error:
            f.error = _("Answer this question.")
    return all(f.id in answers for f in fields)


def _ordering(f: QuestionField, data: QueryDict | Mapping[str, Any]) -> tuple[object, str]:
    """The item ids in the learner's order, or (None, message) for an order with a gap,
    a repeated position or a position the page does not offer."""
    items = [item["id"] for item in f.question.get("items") or ()]
    f.positions = {i: str(data.get(f"{f.name}.{i}") or "")[:10] for i in items}
    chosen = {i: p for i, p in f.positions.items() if p}
    if not chosen:
        return None, ""
    if any(p not in f.places for p in chosen.values()):
        return None, _("This answer names an option the question does not have.")
    if len(chosen) < len(items) or len(set(chosen.values())) < len(items):
        return None, _("Put every item in order, each exactly once.")
    return sorted(items, key=lambda i: int(chosen[i])), ""


def attempt_number(data: QueryDict | Mapping[str, Any]) -> int | None:
    """The attempt number the form was shown for, or None if missing or not a number."""
    value = str(data.get(ATTEMPT_FIELD) or "")
    return int(value) if value.isdigit() and len(value) < 7 else None
