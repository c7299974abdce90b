"""The rotating code, without the database."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from yachay.cohorts import checkin
from yachay.cohorts.checkin import PERIOD, Verdict, code_for, current_code, normalise, verify

SECRET = "a" * 40
T = 1_800_000_000.0


def test_the_code_has_six_digits_and_changes_every_period() -> None:
    codes = [code_for(SECRET, p) for p in range(1000)]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(set(codes)) > 990
    assert code_for(SECRET, 7) == code_for(SECRET, 7)
    assert code_for(SECRET, 7) != code_for("b" * 40, 7)


def test_the_screen_says_how_long_the_code_stays() -> None:
    code, left = current_code(SECRET, T)
    assert code == code_for(SECRET, checkin.period_of(T))
    assert 1 <= left <= PERIOD
    assert 30 <= PERIOD <= 60


def test_it_accepts_the_current_and_the_previous_code_only() -> None:
    now = checkin.period_of(T)
    assert verify(SECRET, code_for(SECRET, now), T) is Verdict.VALID
    assert verify(SECRET, code_for(SECRET, now - 1), T) is Verdict.VALID
    assert verify(SECRET, code_for(SECRET, now - 3), T) is Verdict.EXPIRED
    assert verify(SECRET, code_for(SECRET, now + 1), T) is not Verdict.VALID
    assert verify(SECRET, code_for(SECRET, now - 100), T) is Verdict.WRONG


def test_it_reads_the_code_however_it_is_typed() -> None:
    assert normalise("123 456") == "123456"
    assert normalise(" 123-456 ") == "123456"
    assert normalise("１２３４５６") == "123456"  # full-width digits from some keyboards
    assert normalise("12345") == ""
    assert normalise("1234567") == ""
    assert normalise("12345²6") == "123456"  # a superscript is not a digit to type
    assert normalise("<script>") == ""
    assert normalise("9" * 10_000) == ""


@given(st.text(max_size=200))
def test_anything_typed_is_a_verdict_never_an_error(typed: str) -> None:
    assert verify(SECRET, typed, T) in set(Verdict)
