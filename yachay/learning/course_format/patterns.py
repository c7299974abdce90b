"""Text answers: the form in which they are compared, and the patterns a text question
may use (refused when their matching time could explode). Shared with grading."""

from __future__ import annotations

import importlib
import re
import unicodedata
from typing import Any

from yachay.learning.course_format.model import MAX_PATTERN_LENGTH

# The private modules behind ``re.compile``: the only parser of Python's own regex syntax
# (present in 3.11–3.13), used to refuse patterns whose matching time can explode. Loaded
# by name: typeshed may or may not describe them, depending on what else is checked.
_sre_constants: Any = importlib.import_module("re._constants")
_sre_parser: Any = importlib.import_module("re._parser")


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})


def normalize_text(text: str) -> str:
    """The form in which text answers are compared: trimmed, case and accents ignored.

    NFKD then dropping combining marks removes accents (``Perú`` → ``peru``, ``Ñ`` → ``n``);
    typographic apostrophes become ``'`` (Quechua: ``ch’aska`` = ``ch'aska``); runs of
    whitespace become one space.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.translate(_APOSTROPHES).casefold().split())


def _strip_accents(pattern: str) -> str:
    decomposed = unicodedata.normalize("NFKD", pattern)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a text question's pattern for matching against :func:`normalize_text` output.

    Accents are removed from the pattern too (an author may write ``per[uú]`` or ``perú``);
    case is ignored with ``re.IGNORECASE`` rather than by case-folding the pattern, which would
    change escapes such as ``\\S`` into ``\\s``.
    """
    return re.compile(_strip_accents(pattern).translate(_APOSTROPHES), re.IGNORECASE)


_REPEATS = {_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT}
_POSSESSIVE = getattr(_sre_constants, "POSSESSIVE_REPEAT", None)
if _POSSESSIVE is not None:
    _REPEATS.add(_POSSESSIVE)


def _risky(parsed: Any, in_repeat: bool) -> str | None:
    """Why a parsed pattern may take exponential time, or None. Conservative, not a proof."""
    for op, arg in parsed:
        if op in _REPEATS:
            _low, high, sub = arg
            repeats = high > 1
            if repeats and in_repeat:
                return "a repeated group contains another repetition, as in (a+)+"
            found = _risky(sub, in_repeat or repeats)
            if found:
                return found
        elif op is _sre_constants.BRANCH:
            if in_repeat:
                return "a repeated group contains alternatives (|), as in (a|ab)+"
            for branch in arg[1]:
                found = _risky(branch, in_repeat)
                if found:
                    return found
        elif op is _sre_constants.SUBPATTERN:
            found = _risky(arg[-1], in_repeat)
            if found:
                return found
        elif op in (_sre_constants.GROUPREF, _sre_constants.GROUPREF_EXISTS):
            return "back-references (\\1) are not supported"
        elif op in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT):
            found = _risky(arg[1], in_repeat)
            if found:
                return found
        elif op is getattr(_sre_constants, "ATOMIC_GROUP", None):
            found = _risky(arg, in_repeat)
            if found:
                return found
    return None


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with a text question's pattern, or None if it may be used.

    A pattern must be at most :data:`MAX_PATTERN_LENGTH` characters, compile, and avoid the
    shapes that make a backtracking matcher take exponential time (nested repetition,
    alternatives inside a repetition, back-references). With answers capped at
    :data:`MAX_ANSWER_LENGTH` characters, that keeps grading fast.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"a pattern is at most {MAX_PATTERN_LENGTH} characters long"
    try:
        compile_pattern(pattern)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    try:
        parsed = _sre_parser.parse(_strip_accents(pattern), re.IGNORECASE)
    except Exception:  # pragma: no cover - it compiled just above
        return "not a valid regular expression"
    risk = _risky(parsed, in_repeat=False)
    if risk:
        return f"this pattern could make grading very slow: {risk}"
    return None
