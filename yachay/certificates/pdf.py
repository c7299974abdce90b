"""The certificate PDF: plain data in, PDF bytes out (no models, no database).

``render_certificate(CertificateData(...))`` typesets ``typst/certificate.typ`` with Typst
(the ``typst`` package: the Rust engine in-process, a few milliseconds a page) into an A4
landscape PDF/A-2b page with a vector QR code (segno, SVG) to the verification URL.

- **Data, not markup.** Every value travels as one JSON document in ``sys.inputs``; the
  template reads it with ``json()`` and shows strings as text. Nothing the learner typed is
  ever pasted into Typst source, so ``#eval(...)``, ``*bold*``, ``$x$``, ``]`` or ``\\``
  print literally.
- **Same bytes everywhere.** Only the fonts embedded in the pinned Typst wheel are used
  (Libertinus Serif, DejaVu Sans Mono; system fonts are ignored), the creation date is the
  completion date, and segno's SVG is deterministic: the same data gives the same bytes on
  any machine with the same ``typst`` version.
- **Clear errors.** ``CertificateData`` refuses bad values (control characters, empty or
  over-long text, a bad URL or code) with a ``ValueError`` naming the field; any failure of
  the engine comes out as ``CertificateRenderError``, never a bare Typst exception.
"""

from __future__ import annotations

import atexit
import bisect
import datetime
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

import segno
import typst

TEMPLATE = Path(__file__).resolve().parent / "typst" / "certificate.typ"
PDF_STANDARD: Literal["a-2b"] = "a-2b"
QR_MASK = 2

NAME_MAX = 120
TITLE_MAX = 200
ISSUER_NAME_MAX = 150
URL_MAX = 500
LOGO_MAX_BYTES = 512 * 1024
MAX_COURSES = 30
MAX_ISSUERS = 6
_CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9-]{2,38}[A-Z0-9]")
_URL_RE = re.compile(r"https?://[^\s<>\"'\\]+")
# Unicode categories refused in any text: controls, unassigned, private use, surrogates.
_REFUSED_CATEGORIES = {"Cc", "Cn", "Co", "Cs"}
# Format characters that reorder or hide text (bidi overrides/isolates, zero width space,
# word joiner, BOM): a name must print as it reads.
_REFUSED_FORMAT = set("\u200b\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Code points the engine's embedded fonts can print (PDF/A refuses a glyph no font has):
# Latin, Greek, Cyrillic, combining accents, general punctuation, currency and letterlike
# symbols. Found by rendering each code point alone as PDF/A-2b with typst 0.15.2;
# ``test_every_printable_character_renders`` re-checks it after an upgrade.
PRINTABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E), (0x00A0, 0x0377), (0x037A, 0x037F), (0x0384, 0x038A), (0x038C, 0x038C),
    (0x038E, 0x03A1), (0x03A3, 0x0484), (0x0487, 0x04FF), (0x0510, 0x0513), (0x051A, 0x051D),
    (0x1E00, 0x1EFF), (0x2000, 0x2040), (0x2042, 0x2042), (0x2044, 0x2052), (0x2054, 0x2064),
    (0x2066, 0x206F), (0x20A0, 0x20C0), (0x2100, 0x211E), (0x2120, 0x2120), (0x2122, 0x2122),
    (0x2124, 0x2124), (0x2126, 0x214F),
)  # fmt: skip
_PRINTABLE_STARTS = [start for start, _ in PRINTABLE_RANGES]


def is_printable(char: str) -> bool:
    """True when the certificate's fonts have a glyph for ``char``."""
    code = ord(char)
    i = bisect.bisect_right(_PRINTABLE_STARTS, code) - 1
    return i >= 0 and code <= PRINTABLE_RANGES[i][1]


_MONTHS = {
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "setiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


class CertificateRenderError(Exception):
    """The engine could not produce the PDF (bad logo image, broken template...)."""


def _check_text(field_name: str, value: object, max_length: int) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{field_name}: expected text, got {type(value).__name__}.")
    for char in value:
        if unicodedata.category(char) in _REFUSED_CATEGORIES or char in _REFUSED_FORMAT:
            raise ValueError(
                f"{field_name}: contains a control or invisible character "
                f"(U+{ord(char):04X}); only printable text is allowed."
            )
        if not is_printable(char):
            raise ValueError(
                f"{field_name}: the character {char!r} (U+{ord(char):04X}) cannot be printed "
                "on the certificate; Latin, Greek and Cyrillic letters are."
            )
    if not value.strip():
        raise ValueError(f"{field_name}: must not be empty.")
    if value != value.strip():
        raise ValueError(f"{field_name}: must not start or end with spaces.")
    if len(value) > max_length:
        raise ValueError(f"{field_name}: at most {max_length} characters ({len(value)} given).")
    return value


def _logo_kind(data: bytes) -> str | None:
    """The image format by its first bytes: png, jpg, gif, webp, svg; None if none of them."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if b"<svg" in data[:2048]:
        return "svg"
    return None


def _check_logo(name: str, data: bytes, error: type[Exception]) -> str:
    if not data:
        raise error(f"issuer logo of {name}: the file is empty.")
    if len(data) > LOGO_MAX_BYTES:
        raise error(
            f"issuer logo of {name}: at most {LOGO_MAX_BYTES // 1024} KB "
            f"({len(data) // 1024} KB given)."
        )
    kind = _logo_kind(data)
    if kind is None:
        raise error(f"issuer logo of {name}: a PNG, JPEG, GIF, WebP or SVG image is expected.")
    return kind


@dataclass(frozen=True)
class Issuer:
    """An issuing organisation: its name and, optionally, a logo (PNG, JPEG or SVG)."""

    name: str
    logo: bytes | Path | None = None

    def __post_init__(self) -> None:
        _check_text("issuer name", self.name, ISSUER_NAME_MAX)
        if self.logo is not None and not isinstance(self.logo, bytes | Path):
            raise ValueError("issuer logo: expected bytes, a Path or None.")
        if isinstance(self.logo, bytes):
            _check_logo(self.name, self.logo, ValueError)

    def logo_file(self) -> str | None:
        """The logo's path inside the render folder (written once per distinct image)."""
        if self.logo is None:
            return None
        if isinstance(self.logo, Path):
            try:
                data = self.logo.read_bytes()
            except OSError as exc:
                raise CertificateRenderError(
                    f"Logo of {self.name} cannot be read: {exc.strerror}."
                ) from exc
            kind = _check_logo(self.name, data, CertificateRenderError)
        else:
            data = self.logo
            kind = _check_logo(self.name, data, ValueError)
        return _store_logo(data, kind)


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate. Validated on creation (``ValueError``)."""

    learner_name: str
    program: str
    track: str
    hours: int | Decimal
    completion_date: datetime.date
    issuers: tuple[Issuer, ...]
    verification_code: str
    verification_url: str
    courses: tuple[str, ...] = field(default_factory=tuple)
    language: Literal["es", "en"] = "es"

    def __post_init__(self) -> None:
        _check_text("learner name", self.learner_name, NAME_MAX)
        _check_text("program", self.program, TITLE_MAX)
        _check_text("track", self.track, TITLE_MAX)
        if not isinstance(self.courses, tuple) or len(self.courses) > MAX_COURSES:
            raise ValueError(f"courses: expected a tuple of at most {MAX_COURSES} titles.")
        for course in self.courses:
            _check_text("course title", course, TITLE_MAX)
        if isinstance(self.hours, bool) or not isinstance(self.hours, int | Decimal):
            raise ValueError("hours: expected an int or a Decimal.")
        if not self.hours.is_finite() if isinstance(self.hours, Decimal) else False:
            raise ValueError("hours: must be a finite number.")
        if not 0 < self.hours <= 10_000:
            raise ValueError("hours: must be more than 0 and at most 10000.")
        if isinstance(self.completion_date, datetime.datetime) or not isinstance(
            self.completion_date, datetime.date
        ):
            raise ValueError("completion date: expected a datetime.date.")
        if not isinstance(self.issuers, tuple) or not 1 <= len(self.issuers) <= MAX_ISSUERS:
            raise ValueError(f"issuers: expected a tuple of 1 to {MAX_ISSUERS} issuers.")
        for issuer in self.issuers:
            if not isinstance(issuer, Issuer):
                raise ValueError("issuers: every item must be an Issuer.")
        if not isinstance(self.verification_code, str) or not _CODE_RE.fullmatch(
            self.verification_code
        ):
            raise ValueError(
                "verification code: 4 to 40 capital letters, digits and inner hyphens."
            )
        url = _check_text("verification URL", self.verification_url, URL_MAX)
        if not _URL_RE.fullmatch(url):
            raise ValueError("verification URL: must be an http(s) URL without spaces.")
        if self.language not in _MONTHS:
            raise ValueError("language: must be 'es' or 'en'.")


def format_date(value: datetime.date, language: str) -> str:
    month = _MONTHS[language][value.month - 1]
    if language == "es":
        return f"{value.day} de {month} de {value.year}"
    return f"{month} {value.day}, {value.year}"


def format_hours(value: int | Decimal, language: str) -> str:
    text = f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)
    return text.replace(".", ",") if language == "es" else text


def qr_svg(url: str) -> str:
    """The QR code as a standalone SVG (vector, deterministic), medium error correction."""
    out = io.BytesIO()
    # A fixed mask (any of the eight is valid): choosing the best one costs ~10 ms in segno.
    segno.make(url, error="m", micro=False, mask=QR_MASK).save(
        out, kind="svg", border=0, xmldecl=False, svgns=True, omitsize=False, dark="#1f2a44"
    )
    return out.getvalue().decode()


def document_json(data: CertificateData) -> str:
    """The JSON document the template reads (``sys.inputs.data``)."""
    issuers = []
    for issuer in data.issuers:
        issuers.append({"name": issuer.name, "logo": issuer.logo_file()})
    return json.dumps(
        {
            "lang": data.language,
            "name": data.learner_name,
            "program": data.program,
            "track": data.track,
            "courses": list(data.courses),
            "hours": format_hours(data.hours, data.language),
            "date": format_date(data.completion_date, data.language),
            "issuers": issuers,
            "code": data.verification_code,
            "url": data.verification_url,
            "qr": qr_svg(data.verification_url),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


_local = threading.local()
_folder_lock = threading.Lock()
_folder: Path | None = None


def _render_folder() -> Path:
    """This process's render folder: a copy of the template and the logos, by content hash.

    Typst reads images from files inside its root, and reads each file once; logos travel
    this way (not inside the JSON) so that a 100 KB logo costs nothing per certificate.
    The folder is removed when the process ends.
    """
    global _folder
    with _folder_lock:
        if _folder is None or not _folder.is_dir():
            folder = Path(tempfile.mkdtemp(prefix="yachay-certificate-"))
            shutil.copyfile(TEMPLATE, folder / "certificate.typ")
            (folder / "logos").mkdir()
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            _folder = folder
        return _folder


def _store_logo(data: bytes, kind: str) -> str:
    name = f"logos/{hashlib.sha256(data).hexdigest()}.{kind}"
    path = _render_folder() / name
    if not path.exists():
        partial = path.with_suffix(f".{threading.get_ident()}.partial")
        partial.write_bytes(data)
        os.replace(partial, path)  # atomic: another thread never reads half a logo
    return "/" + name


def _compiler() -> typst.Compiler:
    # One compiler per thread (a Compiler is not shareable across threads); it keeps the
    # parsed template, the fonts and the decoded logos between renders.
    compiler = getattr(_local, "compiler", None)
    if compiler is None:
        folder = _render_folder()
        compiler = typst.Compiler(
            str(folder / "certificate.typ"),
            root=str(folder),
            font_paths=typst.Fonts(include_system_fonts=False, include_embedded_fonts=True),
            ignore_system_fonts=True,
        )
        _local.compiler = compiler
    return compiler


def render_certificate(data: CertificateData) -> bytes:
    """The certificate as PDF/A-2b bytes; the same data always gives the same bytes."""
    payload = document_json(data)
    timestamp = datetime.datetime.combine(
        data.completion_date, datetime.time(12, 0), tzinfo=datetime.UTC
    )
    try:
        pdf = _compiler().compile(
            format="pdf",
            sys_inputs={"data": payload},
            pdf_standards=[PDF_STANDARD],
            timestamp=timestamp,
        )
    except typst.TypstError as exc:
        raise CertificateRenderError(
            f"Typst could not render the certificate: {exc.message}"
        ) from exc
    except (RuntimeError, ValueError) as exc:
        raise CertificateRenderError(f"Typst could not render the certificate: {exc}") from exc
    if not isinstance(pdf, bytes):  # one page, so never a list; keeps mypy honest
        raise CertificateRenderError("Typst returned more than one document.")
    return pdf
