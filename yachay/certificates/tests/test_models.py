import re

import pytest

from yachay.certificates.models import CODE_ALPHABET, new_code, normalise_code


def test_new_codes_are_random_grouped_and_typeable():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", code)
        assert set(code.replace("-", "")) <= set(CODE_ALPHABET)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ABCD-EFGH-JK", "ABCD-EFGH-JK"),
        ("abcd efgh jk", "ABCD-EFGH-JK"),
        ("abcdefghjk", "ABCD-EFGH-JK"),
        ("O1IL-0000-00", "0111-0000-00"),
        (" 0000--0000-00 ", "0000-0000-00"),
    ],
)
def test_typed_codes_are_normalised(typed, stored):
    assert normalise_code(typed) == stored


@pytest.mark.parametrize(
    "junk", ["", "ABCD", "ABCD-EFGH-JKM", "ABCD-EFGH-J!", "U" * 10, "A" * 5000, "ñññññññññ0"]
)
def test_junk_is_no_code(junk):
    assert normalise_code(junk) is None
