"""Text helpers shared by every app: sorting people's names the way a Spanish reader expects.

Python's ``sorted`` compares code points: "Álvarez" comes after "Zúñiga" and "Ñahui" after
every other letter, and lower case after upper case. Spanish alphabetical order (RAE, and
CLDR's ``es`` collation that PostgreSQL's ICU ``es-x-icu`` implements) is instead:

1. letters first, ignoring accents, diaeresis and case: "Álvarez" sorts as "alvarez";
   *ñ* is a letter of its own between *n* and *o* ("Nuñez" after "Nunez" and "Nuzco",
   "Ñahui" after every "N…"); *ch* and *ll* are two letters each since 1994;
2. then, between names equal so far, the one without accents first ("Chavez" before
   "Chávez");
3. then lower case before upper case;
4. spaces and punctuation ("de la Cruz", "O'Higgins", the Quechua "Ch'aska") only break
   the remaining ties, so "O'Higgins" sorts as "OHiggins".

:func:`spanish_sort_key` implements that order for the few dozen names of a cohort's
roster, so that the same list reads the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import unicodedata

_TILDE = "\u0303"  # combining tilde: n + tilde is ñ, a letter of its own
_FIELD = 0  # separates the parts of a name: lower than any letter, so "Paz" < "Paz Arce"


def _weight(ch: str) -> int:
    """Primary weight of a base letter or digit: ``ñ`` sits between ``n`` and ``o``."""
    if ch == "ñ":
        return 2 * ord("n") + 1
    return 2 * ord(ch)


def _keys(text: str) -> tuple[list[int], list[int], list[int]]:
    primary: list[int] = []
    accents: list[int] = []
    cases: list[int] = []
    decomposed = unicodedata.normalize("NFD", text)
    i = 0
    while i < len(decomposed):
        ch = decomposed[i]
        i += 1
        if not ch.isalnum():  # spaces, apostrophes, hyphens, stray combining marks
            continue
        marks = 0
        if ch in "nN" and i < len(decomposed) and decomposed[i] == _TILDE:
            ch = "ñ" if ch == "n" else "Ñ"
            i += 1
        while i < len(decomposed) and unicodedata.combining(decomposed[i]):
            marks = marks * 0x400 + ord(decomposed[i]) % 0x400 + 1
            i += 1
        for folded in ch.casefold():  # "ß" folds to "ss": one weight per letter
            primary.append(_weight(folded))
            accents.append(marks)
            cases.append(1 if ch.isupper() else 0)
    return primary, accents, cases


def spanish_sort_key(*parts: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], str]:
    """A key for ``sorted`` that orders names as a Spanish reader expects (see the module).

    Give a person's name in the order to sort by, usually surnames first:
    ``spanish_sort_key(paternal_surname, maternal_surname, given_names)``. The parts are
    compared as one text (letters of every part before the accents of any), each part
    ending before any letter, so "Paz" sorts before "Paz Arce" and "Pazos".
    """
    primary: list[int] = []
    accents: list[int] = []
    cases: list[int] = []
    for part in parts:
        p, a, c = _keys(part or "")
        primary += [*p, _FIELD]
        accents += [*a, _FIELD]
        cases += [*c, _FIELD]
    return tuple(primary), tuple(accents), tuple(cases), "\x00".join(parts)
