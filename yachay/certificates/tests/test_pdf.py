"""The certificate PDF renderer: plain data in, PDF bytes out (no database).

Text is read back with poppler's ``pdftotext`` (Debian ``poppler-utils``, installed by
``.ci/run``); those tests are skipped, saying why, where it is missing.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import re
import shutil
import subprocess
import sys
import threading
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
import segno

from yachay.certificates import pdf
from yachay.certificates.pdf import (
    CertificateData,
    CertificateRenderError,
    Issuer,
    render_certificate,
)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed"
)

LONG_NAME = (
    "María de los Ángeles Ñahuincopa Quispe-O'Donnell de la Santísima Trinidad "
    "Huamán Mamani Condori Villanueva Castañeda Rui"
)


def _png_logo() -> bytes:
    out = io.BytesIO()
    segno.make("logo").save(out, kind="png", scale=4)
    return out.getvalue()


def make_data(**changes: object) -> CertificateData:
    values: dict[str, object] = {
        "learner_name": "José Ñuñez O'Higgins",
        "program": "Yachay: IA para emprendedores",
        "track": "Negocios digitales",
        "hours": Decimal("40.5"),
        "completion_date": datetime.date(2026, 11, 20),
        "issuers": (
            Issuer("Ministerio de la Producción", _png_logo()),
            Issuer("Universidad Nacional de San Agustín"),
        ),
        "verification_code": "K7QM-3XPA-9T",
        "verification_url": "https://yachay.example.pe/verificar/K7QM-3XPA-9T/",
        "courses": ("IA en tu negocio", "Ventas por WhatsApp"),
    }
    values.update(changes)
    return CertificateData(**values)  # type: ignore[arg-type]


def pdf_text(document: bytes, tmp_path: Path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(document)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True)
    return out.stdout


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_renders_one_a4_landscape_pdf_a_page() -> None:
    document = render_certificate(make_data())
    assert document.startswith(b"%PDF-")
    # A4 landscape: 297 x 210 mm = 841.89 x 595.28 pt.
    assert re.findall(rb"/MediaBox\s*\[\s*0 0 841\.8\d* 595\.2\d*\s*\]", document) == [
        b"/MediaBox[0 0 841.8898 595.2756]"
    ]
    assert re.findall(rb"/Type\s*/Pages\s*/Count (\d+)", document) == [b"1"]
    # PDF/A-2b declared in the XMP metadata.
    assert b"<pdfaid:part>2</pdfaid:part>" in document
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in document


def test_same_data_gives_the_same_bytes() -> None:
    first = render_certificate(make_data())
    assert render_certificate(make_data()) == first
    # and a different name does change the document
    assert render_certificate(make_data(learner_name="Ana Li")) != first


def test_creation_date_is_the_completion_date() -> None:
    document = render_certificate(make_data(completion_date=datetime.date(2025, 3, 7)))
    assert b"2025-03-07T12:00:00" in document


def test_only_embedded_fonts_and_no_system_font() -> None:
    document = render_certificate(make_data())
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z-]+)", document))
    assert fonts, "no embedded font found"
    assert all(f.startswith((b"LibertinusSerif", b"DejaVuSansMono")) for f in fonts), fonts


@needs_poppler
def test_prints_every_field_in_spanish(tmp_path: Path) -> None:
    text = squash(pdf_text(render_certificate(make_data()), tmp_path))
    assert "CERTIFICADO" in text.replace(" ", "")  # letter-spaced title
    for expected in (
        "José Ñuñez O'Higgins",
        "Yachay: IA para emprendedores",
        "Negocios digitales",
        "40,5 horas",
        "20 de noviembre de 2026",
        "IA en tu negocio · Ventas por WhatsApp",
        "Ministerio de la Producción · Universidad Nacional de San Agustín",
        "https://yachay.example.pe/verificar/K7QM-3XPA-9T/",
        "Código",
        "K7QM-3XPA-9T",
    ):
        assert expected in text, expected


@needs_poppler
def test_english(tmp_path: Path) -> None:
    text = squash(pdf_text(render_certificate(make_data(language="en", hours=12)), tmp_path))
    assert "This certifies that" in text
    assert "12 hours" in text
    assert "November 20, 2026" in text


@pytest.mark.parametrize(
    "name",
    [
        '#eval("1+1")',
        "*bold* _it_ $x^2$",
        "] [ \\ } { #let x = 1",
        "<label> @ref // comment /* c */",
        '"); #panic("x")',
        "`raw` = heading - list + enum ~ --- end",
    ],
)
@needs_poppler
def test_markup_in_a_name_prints_literally(name: str, tmp_path: Path) -> None:
    text = squash(pdf_text(render_certificate(make_data(learner_name=name)), tmp_path))
    assert name in text


@needs_poppler
def test_a_120_character_name_fits_and_prints_whole(tmp_path: Path) -> None:
    assert len(LONG_NAME) == 120
    document = render_certificate(make_data(learner_name=LONG_NAME))
    text = pdf_text(document, tmp_path)
    assert LONG_NAME in squash(text)
    assert text.count("\f") <= 1  # still one page


@needs_poppler
def test_no_logo_no_course(tmp_path: Path) -> None:
    data = make_data(issuers=(Issuer("Programa Yachay"),), courses=())
    text = squash(pdf_text(render_certificate(data), tmp_path))
    assert "Programa Yachay" in text
    assert "Cursos" not in text


def test_qr_is_vector_svg_of_the_url() -> None:
    svg = pdf.qr_svg("https://yachay.example.pe/verificar/K7QM-3XPA-9T/")
    assert svg.startswith("<svg") and "<path" in svg
    # embedded as vector paths: a certificate without logos holds no raster image
    document = render_certificate(make_data(issuers=(Issuer("Programa Yachay"),)))
    assert b"/Subtype /Image" not in document and b"/Subtype/Image" not in document


def test_logo_from_a_path(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png_logo())
    document = render_certificate(make_data(issuers=(Issuer("Produce", logo),)))
    assert b"/Subtype /Image" in document or b"/Subtype/Image" in document


@pytest.mark.parametrize(
    "bad",
    ["Ana\x00Li", "Ana\nLi", "Ana\tLi", "Ana\x1bLi", "Ana\x7fLi", "Ana\u202eiL", "Ana\u200bLi"],
)
def test_control_characters_in_the_name_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"learner name: contains a control or invisible"):
        make_data(learner_name=bad)


@pytest.mark.parametrize("bad", ["李小龍", "Ana 😀", "Ana \u0e01", "\u05d0"])
def test_characters_the_fonts_cannot_print_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"learner name: the character .* cannot be printed"):
        make_data(learner_name=bad)


def test_every_printable_character_renders() -> None:
    # PDF/A fails on any glyph no embedded font has: every allowed code point must render.
    chars = [
        chr(code)
        for start, end in pdf.PRINTABLE_RANGES
        for code in range(start, end + 1)
        if unicodedata.category(chr(code)) not in {"Cc", "Cn", "Co", "Cs"}
        and chr(code) not in pdf._REFUSED_FORMAT
    ]
    assert len(chars) > 1500
    for i in range(0, len(chars), 118):
        render_certificate(make_data(learner_name="a" + "".join(chars[i : i + 118]) + "b"))


def test_decomposed_accents_print(tmp_path: Path) -> None:
    name = unicodedata.normalize("NFD", "José Ñuñez")
    assert len(name) == 13  # three combining marks
    render_certificate(make_data(learner_name=name))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"learner_name": ""}, "learner name: must not be empty"),
        ({"learner_name": "   "}, "learner name: must not be empty"),
        ({"learner_name": " Ana"}, "must not start or end with spaces"),
        ({"learner_name": "A" * 121}, "learner name: at most 120 characters"),
        ({"program": "P\x01"}, "program: contains a control"),
        ({"courses": ("ok", "bad\x02")}, "course title: contains a control"),
        ({"courses": ["a list"]}, "courses: expected a tuple"),
        ({"hours": 0}, "hours: must be more than 0"),
        ({"hours": True}, "hours: expected an int or a Decimal"),
        ({"hours": Decimal("NaN")}, "hours: must be a finite number"),
        ({"completion_date": "2026-11-20"}, "completion date: expected a datetime.date"),
        ({"issuers": ()}, "issuers: expected a tuple of 1 to"),
        ({"issuers": ("Produce",)}, "issuers: every item must be an Issuer"),
        ({"verification_code": "k7qm"}, "verification code"),
        ({"verification_code": "K7QM\n"}, "verification code"),
        ({"verification_url": "javascript:alert(1)"}, "verification URL: must be an http"),
        ({"verification_url": "https://x.pe/a b"}, "verification URL: must be an http"),
        ({"language": "qu"}, "language: must be 'es' or 'en'"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        make_data(**changes)


def test_issuer_validation() -> None:
    with pytest.raises(ValueError, match="issuer name: contains a control"):
        Issuer("Pro\x00duce")
    with pytest.raises(ValueError, match="issuer logo: expected bytes"):
        Issuer("Produce", "logo.png")  # type: ignore[arg-type]


def test_data_is_frozen() -> None:
    data = make_data()
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.learner_name = "Otro"  # type: ignore[misc]


def test_a_logo_that_is_no_image_is_refused() -> None:
    with pytest.raises(ValueError, match="issuer logo of Produce: a PNG, JPEG, GIF, WebP or SVG"):
        Issuer("Produce", b"not an image at all")


def test_a_broken_logo_is_our_error_not_typsts() -> None:
    # looks like a PNG, is not one: Typst fails to decode it
    data = make_data(issuers=(Issuer("Produce", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10),))
    with pytest.raises(CertificateRenderError, match="Typst could not render the certificate"):
        render_certificate(data)
    # and the next certificate renders
    assert render_certificate(make_data()).startswith(b"%PDF-")


def test_the_same_logo_is_written_once() -> None:
    render_certificate(make_data())
    assert pdf._folder is not None
    before = sorted((pdf._folder / "logos").iterdir())
    render_certificate(make_data(learner_name="Ana Li"))
    assert sorted((pdf._folder / "logos").iterdir()) == before
    assert not [p for p in before if p.suffix == ".partial"]


def test_a_missing_logo_file_is_our_error(tmp_path: Path) -> None:
    data = make_data(issuers=(Issuer("Produce", tmp_path / "missing.png"),))
    with pytest.raises(CertificateRenderError, match="Logo of Produce cannot be read"):
        render_certificate(data)


def test_an_oversized_or_empty_logo_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="issuer logo of Produce: at most 512 KB"):
        Issuer("Produce", b"\x89PNG\r\n\x1a\n" + b"0" * pdf.LOGO_MAX_BYTES)
    with pytest.raises(ValueError, match="issuer logo of Produce: the file is empty"):
        Issuer("Produce", b"")
    big = tmp_path / "big.png"
    big.write_bytes(b"0" * (pdf.LOGO_MAX_BYTES + 1))
    data = make_data(issuers=(Issuer("Produce", big),))
    with pytest.raises(CertificateRenderError, match="at most 512 KB"):
        render_certificate(data)


def test_a_broken_template_is_our_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    broken = tmp_path / "certificate.typ"
    broken.write_text("#let d = json(bytes(sys.inputs.data))\n#d.nope\n")
    monkeypatch.setattr(pdf, "TEMPLATE", broken)
    monkeypatch.setattr(pdf, "_folder", None)
    monkeypatch.setattr(pdf._local, "compiler", None, raising=False)
    with pytest.raises(CertificateRenderError, match="Typst could not render"):
        render_certificate(make_data())


def test_a_fresh_process_gives_the_same_bytes() -> None:
    # A new interpreter, a new Typst compiler and font book: nothing cached in this process.
    script = (
        "import hashlib, sys\n"
        "from yachay.certificates.tests.test_pdf import make_data\n"
        "from yachay.certificates.pdf import render_certificate\n"
        "sys.stdout.write(hashlib.sha256(render_certificate(make_data())).hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, check=True, text=True
    )
    assert out.stdout == hashlib.sha256(render_certificate(make_data())).hexdigest()


@pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="zbarimg (zbar-tools) or pdftoppm (poppler-utils) not installed",
)
def test_the_printed_qr_code_scans_to_the_verification_url(tmp_path: Path) -> None:
    data = make_data(issuers=(Issuer("Programa Yachay"),), learner_name=LONG_NAME)
    (tmp_path / "c.pdf").write_bytes(render_certificate(data))
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "c.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    out = subprocess.run(
        ["zbarimg", "-q", "--raw", str(tmp_path / "page.png")], capture_output=True, text=True
    )
    assert out.stdout.split() == [data.verification_url]


def test_two_threads_render_the_same_bytes() -> None:
    reference = render_certificate(make_data())
    results: list[bytes] = []

    def work() -> None:
        for i in range(5):
            render_certificate(make_data(learner_name=f"Ana {i}"))
        results.append(render_certificate(make_data()))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [reference, reference]
