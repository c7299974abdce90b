"""The message templates' small language: text with ``{{ variable }}`` and nothing else.

No tags, filters, attribute lookups or code: a rule's author (or whoever edits the file)
cannot reach anything but the named values the trigger hands over, and a mistake is found
when the rule is loaded, with its line, never when a learner's message is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_VAR = re.compile(r"\{\{\s*([a-z][a-z0-9_]{0,40})\s*\}\}")
_OPEN = re.compile(r"\{\{|\{%|\{#")


@dataclass(frozen=True)
class TemplateError(Exception):
    """A problem at ``line`` (1-based, counted in the template's own text)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def check(text: str, *, allowed: Iterable[str]) -> list[TemplateError]:
    """Every problem of ``text``: bad syntax or a variable not in ``allowed``."""
    allowed = set(allowed)
    errors: list[TemplateError] = []
    for number, line in enumerate(text.split("\n"), start=1):
        rest = _VAR.sub("", line)
        bad = _OPEN.search(rest)
        if bad:
            errors.append(
                TemplateError(
                    number,
                    f"bad syntax near {rest[bad.start() : bad.start() + 20]!r}: "
                    "only {{ variable }} is allowed",
                )
            )
        elif "}}" in rest or "%}" in rest:
            errors.append(TemplateError(number, "'}}' without its '{{'"))
        for match in _VAR.finditer(line):
            if match.group(1) not in allowed:
                errors.append(
                    TemplateError(
                        number,
                        f"unknown variable {match.group(1)!r} "
                        f"(known: {', '.join(sorted(allowed))})",
                    )
                )
    return errors


def variables(text: str) -> list[str]:
    """The variables ``text`` uses, in order of first use."""
    seen: dict[str, None] = {}
    for match in _VAR.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def render(text: str, values: Mapping[str, object]) -> str:
    """``text`` with each ``{{ name }}`` replaced by ``values[name]`` (checked beforehand,
    so a missing value is a programming error: KeyError)."""
    return _VAR.sub(lambda m: str(values[m.group(1)]), text)
