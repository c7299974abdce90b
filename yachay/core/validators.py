"""Identity validators for Peru, built on python-stdnum and phonenumbers.

Each ``clean_*`` returns the normalised value or raises ``ValidationError``
with a translated message.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.pe import cui, ruc

from yachay.core import ubigeo

RUC_PREFIXES = ("10", "15", "16", "17", "20")
_SEPARATORS = re.compile(r"[\s.\-]")
# A person's name: letters of any script, joined by single spaces, apostrophes
# (Ch'aska), hyphens or periods. Digits, symbols and markup are refused.
_NAME = re.compile(r"^[^\W\d_]+(?:(?:[ '’\-]|\. ?)[^\W\d_]+)*\.?$")


def has_control_chars(value: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co"} for ch in value)


def clean_text(value: str, *, max_length: int) -> str:
    """Trim, collapse inner whitespace, refuse control characters and overlong text."""
    # Tabs and line breaks are whitespace; a browser sends a text area's line break as \r\n.
    if has_control_chars(value.replace("\r", " ").replace("\n", " ").replace("\t", " ")):
        raise ValidationError(_("Remove the invisible control characters from this text."))
    value = " ".join(value.split())
    if len(value) > max_length:
        raise ValidationError(
            _("Use at most %(max)d characters (you wrote %(n)d)."),
            params={"max": max_length, "n": len(value)},
        )
    return unicodedata.normalize("NFC", value)


def clean_person_name(value: str, *, max_length: int = 80) -> str:
    value = clean_text(value, max_length=max_length)
    if value and not _NAME.match(value):
        raise ValidationError(
            _("Write the name with letters only (spaces, apostrophes and hyphens are fine).")
        )
    return value


def clean_dni(value: str) -> str:
    value = _SEPARATORS.sub("", value)
    if not value.isascii() or not value.isdigit():
        raise ValidationError(_("The DNI has digits only."))
    if len(value) != 8:
        raise ValidationError(
            _("The DNI has 8 digits (you wrote %(n)d)."), params={"n": len(value)}
        )
    return value


def clean_dni_check(dni: str, check: str) -> str:
    """The check character printed after the DNI (a digit or a letter), when given."""
    check = check.strip().upper()
    if not check:
        return ""
    if len(check) != 1 or not check.isascii() or not check.isalnum():
        raise ValidationError(_("The check character is one digit or one letter."))
    if check not in cui.calc_check_digits(dni):
        raise ValidationError(_("This check character does not match the DNI."))
    return check


def clean_ruc(value: str) -> str:
    value = _SEPARATORS.sub("", value)
    if not value.isascii() or not value.isdigit():
        raise ValidationError(_("The RUC has digits only."))
    if len(value) != 11:
        raise ValidationError(
            _("The RUC has 11 digits (you wrote %(n)d)."), params={"n": len(value)}
        )
    if not value.startswith(RUC_PREFIXES):
        raise ValidationError(_("A RUC starts with 10, 15, 16, 17 or 20."))
    # stdnum's validate() knows no 16 prefix (SUNAT issues it), so check the digit directly.
    if ruc.calc_check_digit(value[:10]) != value[10]:
        raise ValidationError(_("This RUC's check digit is wrong; please check the number."))
    return value


def clean_mobile(value: str) -> str:
    """A Peruvian mobile number in E.164 (+51 9XX XXX XXX)."""
    raw = value.strip()
    if not raw or len(raw) > 25 or not re.fullmatch(r"[+\d\s().\-]+", raw):
        raise ValidationError(_("Write a Peruvian mobile number, such as 987 654 321."))
    try:
        number = phonenumbers.parse(raw, "PE")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Write a Peruvian mobile number, such as 987 654 321.")) from None
    if (
        number.country_code != 51
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ValidationError(
            _("This is not a Peruvian mobile number (9 digits, starting with 9).")
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_ubigeo(value: str) -> str:
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) not in (2, 4, 6):
        raise ValidationError(_("An ubigeo has 2, 4 or 6 digits (INEI code)."))
    if not ubigeo.exists(value):
        raise ValidationError(_("There is no place with ubigeo %(code)s."), params={"code": value})
    return value
