"""Names sort as a Spanish reader expects, whatever their accents, case or punctuation."""

from __future__ import annotations

import random

from yachay.core.text import spanish_sort_key


def in_order(*names: str) -> list[str]:
    shuffled = list(names)
    random.Random(7).shuffle(shuffled)
    return sorted(shuffled, key=spanish_sort_key)


def test_accents_do_not_move_a_name_to_the_end() -> None:
    assert sorted(["Sucasaca", "Sánchez"]) == ["Sucasaca", "Sánchez"]  # code points: wrong
    assert in_order("Sánchez", "Sucasaca") == ["Sánchez", "Sucasaca"]
    assert in_order("Zúñiga", "Álvarez", "Alva", "Avila") == ["Alva", "Álvarez", "Avila", "Zúñiga"]


def test_enye_is_a_letter_between_n_and_o() -> None:
    names = ["Nuzco", "Ñahui", "Oblitas", "Nunez", "Nuñez", "Navarro", "Ñaupa"]
    assert in_order(*names) == ["Navarro", "Nunez", "Nuñez", "Nuzco", "Ñahui", "Ñaupa", "Oblitas"]


def test_an_accent_only_breaks_a_tie_unaccented_first() -> None:
    assert in_order("Chávez", "Chavez", "Chavarría") == ["Chavarría", "Chavez", "Chávez"]
    assert in_order("Núñez", "Nuñez", "Nunez") == ["Nunez", "Nuñez", "Núñez"]
    # Letters of the whole name count before any accent: "Chávez Abad" is not pushed
    # after "Chavez Zeta" by its accent.
    assert in_order("Chavez Zeta", "Chávez Abad") == ["Chávez Abad", "Chavez Zeta"]


def test_case_is_ignored_but_lower_case_breaks_a_tie_first() -> None:
    assert in_order("quispe", "QUISPE", "Quiroz") == ["Quiroz", "quispe", "QUISPE"]
    assert in_order("ÑAHUI", "nuñez") == ["nuñez", "ÑAHUI"]


def test_ch_and_ll_are_two_letters_since_1994() -> None:
    assert in_order("Cuadros", "Chura", "Cerna") == ["Cerna", "Chura", "Cuadros"]
    assert in_order("Luna", "Llanos", "Lizárraga") == ["Lizárraga", "Llanos", "Luna"]


def test_spaces_and_apostrophes_only_break_ties() -> None:
    assert in_order("Delgado", "de la Cruz", "Dávila", "De Las Casas") == [
        "Dávila",
        "de la Cruz",
        "De Las Casas",
        "Delgado",
    ]
    assert in_order("Olaya", "O'Higgins", "Ochoa") == ["Ochoa", "O'Higgins", "Olaya"]


def test_quechua_and_aymara_names() -> None:
    names = ["Qquehue", "Ccori", "Ch'aska", "Huamán", "Quispe", "K'antu", "Ccahuana", "Mamani"]
    assert in_order(*names) == [
        "Ccahuana",
        "Ccori",
        "Ch'aska",
        "Huamán",
        "K'antu",
        "Mamani",
        "Qquehue",
        "Quispe",
    ]


def test_surnames_first_then_given_names() -> None:
    people = [
        ("Sucasaca", "Apaza", "Ana"),
        ("Sánchez", "Quispe", "Rosa"),
        ("Sánchez", "", "Luis"),
        ("Sánchez", "Quispe", "Ángel"),
        ("Paz", "Arce", "Eva"),
        ("Pazos", "", "Abel"),
        ("Paz", "", "Zoila"),
    ]
    ordered = sorted(people, key=lambda p: spanish_sort_key(*p))
    assert ordered == [
        ("Paz", "", "Zoila"),
        ("Paz", "Arce", "Eva"),
        ("Pazos", "", "Abel"),
        ("Sánchez", "", "Luis"),
        ("Sánchez", "Quispe", "Ángel"),
        ("Sánchez", "Quispe", "Rosa"),
        ("Sucasaca", "Apaza", "Ana"),
    ]


def test_equal_looking_names_still_sort_the_same_way_every_time() -> None:
    # Composed and decomposed "é" are the same letter; the key is total and stable.
    composed, decomposed = "Pérez", "Pe\u0301rez"
    assert spanish_sort_key(composed)[:3] == spanish_sort_key(decomposed)[:3]
    assert in_order("Pérez", "Perez", "PEREZ", "Pérez ") == in_order(
        "PEREZ", "Pérez ", "Perez", "Pérez"
    )
