"""One answer checked against its question: the value to store, or a message in words.

The web form hands over what a browser posts (a list of strings per question); the demo and
other services hand over Python values (an option id, a list of them, a number). Both go
through :func:`clean`, so there is one set of rules.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from yachay.surveys.survey_format import Question

MAX_RAW = 2000  # a posted value longer than this is refused before it is looked at
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


class Empty:
    """No answer was given (a blank field, no option ticked)."""


EMPTY = Empty()
Value = float | str | list[str]


def _strings(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return [str(v) for v in raw if v is not None]
    return [str(raw)]


def parse_number(text: str) -> float | None:
    """A number as people in Peru type it: "1500", "1 500", "1,500", "1.500,50", "S/ 2,000.50"
    (a comma followed by exactly three digits groups thousands; otherwise it is the decimal
    point); None when it is not a number."""
    text = _SPACES.sub("", text.strip())
    if text[:2].upper() == "S/":
        text = text[2:]
    if not text or len(text) > 30:
        return None
    if "," in text and "." in text:
        # The last of the two is the decimal point.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        parts = text.split(",")
        if len(parts) > 2 or all(len(p) == 3 for p in parts[1:]):
            text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _shown(number: float) -> str:
    return f"{number:,.0f}".replace(",", " ") if number == int(number) else f"{number:,.2f}"


def clean(question: Question, raw: Any) -> tuple[Value | Empty, str]:
    """(value, "") or (EMPTY, "") for no answer, or (EMPTY, message) when ``raw`` is wrong
    for ``question``. Whether an empty answer is allowed is the caller's (``required``)."""
    values = _strings(raw)
    if any(len(v) > MAX_RAW for v in values) or len(values) > 100:
        return EMPTY, _("This answer is too long.")
    if any("\x00" in v for v in values):
        return EMPTY, _("This answer contains characters that are not allowed.")
    if question.type == "multiple":
        chosen = list(dict.fromkeys(v for v in values if v))
        valid = question.option_ids()
        if any(v not in valid for v in chosen):
            return EMPTY, _("Choose among the options shown.")
        return (sorted(chosen, key=valid.index) if chosen else EMPTY), ""
    if len(values) > 1:
        return EMPTY, _("Give one answer only.")
    text = values[0].strip() if values else ""
    if isinstance(raw, bool):
        return EMPTY, _("This answer is not of the right kind.")
    if not text:
        return EMPTY, ""
    if question.type == "single":
        if text not in question.option_ids():
            return EMPTY, _("Choose one of the options shown.")
        return text, ""
    if question.type in ("scale", "number"):
        number = (
            float(raw)
            if isinstance(raw, int | float) and math.isfinite(float(raw))
            else parse_number(text)
        )
        if number is None:
            return EMPTY, _("Write a number, using digits only (for example 1500).")
        low, high = question.min, question.max
        if question.type == "scale" and (number != int(number) or not 1 <= number <= 5):
            return EMPTY, _("Choose a value from 1 to 5.")
        if question.integer and number != int(number):
            return EMPTY, _("Write a whole number, without decimals.")
        if (low is not None and number < low) or (high is not None and number > high):
            return EMPTY, _("Write a number from %(low)s to %(high)s.") % {
                "low": _shown(low if low is not None else 0),
                "high": _shown(high if high is not None else 0),
            }
        return number, ""
    # text
    text = unicodedata.normalize("NFC", text)
    if _CONTROL.search(text):
        return EMPTY, _("This answer contains characters that are not allowed.")
    if len(text) > question.max_length:
        return EMPTY, _("Write at most %(n)d characters (you wrote %(m)d).") % {
            "n": question.max_length,
            "m": len(text),
        }
    return text, ""
