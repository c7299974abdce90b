"""Open Badges 3.0 baking: a signed credential carried inside a PNG badge image (pure).

OB 3.0 §5.3.1 (Baked Badge, PNG): one ``iTXt`` chunk with the keyword
``openbadgecredential`` whose text is the credential's JSON (an embedded proof), with no
compression, empty language tag and translated keyword. Extracting reads the chunks up to
the first such ``iTXt``. Written on the PNG chunk format itself (length, type, data,
CRC-32), no image library: the image's own chunks are copied unchanged.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
BADGE_IMAGE = Path(__file__).resolve().parent / "badge" / "badge.png"


class NotAPng(ValueError):
    """The bytes are not a well-formed PNG (or its chunks are cut or corrupted)."""


def _chunks(png: bytes) -> Iterator[tuple[bytes, bytes, int, int]]:
    """(type, data, start, end) of each chunk, checking lengths and CRCs."""
    if not png.startswith(PNG_SIGNATURE):
        raise NotAPng("no PNG signature")
    at = len(PNG_SIGNATURE)
    while at < len(png):
        if at + 12 > len(png):
            raise NotAPng("truncated chunk")
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(png):
            raise NotAPng("truncated chunk")
        data = png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length : end])
        if zlib.crc32(kind + data) != crc:
            raise NotAPng(f"bad CRC in {kind!r}")
        yield kind, data, at, end
        if kind == b"IEND":
            return
        at = end
    raise NotAPng("no IEND chunk")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _itxt_fields(data: bytes) -> tuple[bytes, int, bytes] | None:
    """(keyword, compression flag, text) of an iTXt chunk's data, or None if malformed."""
    keyword, sep, rest = data.partition(b"\0")
    if not sep or len(rest) < 2:
        return None
    flag = rest[0]
    _language, sep1, rest = rest[2:].partition(b"\0")
    _translated, sep2, text = rest.partition(b"\0")
    if not (sep1 and sep2):
        return None
    return keyword, flag, text


def bake(png: bytes, credential_json: str) -> bytes:
    """``png`` with the credential in an ``openbadgecredential`` iTXt chunk, placed just
    before IEND; an image that already carries one has it replaced (never two)."""
    text = credential_json.encode("utf-8")
    itxt = _chunk(b"iTXt", KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + text)
    out = [PNG_SIGNATURE]
    for kind, data, start, end in _chunks(png):
        if kind == b"iTXt" and (_itxt_fields(data) or (b"",))[0] == KEYWORD:
            continue  # an earlier baking: replaced
        if kind == b"IEND":
            out.append(itxt)
        out.append(png[start:end])
    return b"".join(out)


def unbake(png: bytes) -> str | None:
    """The text of the first ``openbadgecredential`` iTXt chunk (the credential JSON), or
    None when the image carries none. Raises ``NotAPng`` for bytes that are not a PNG."""
    for kind, data, _start, _end in _chunks(png):
        if kind != b"iTXt":
            continue
        fields = _itxt_fields(data)
        if fields is None or fields[0] != KEYWORD:
            continue
        _keyword, flag, text = fields
        try:
            raw = zlib.decompress(text) if flag == 1 else text  # bakers must not; we may
            return raw.decode("utf-8")
        except (zlib.error, UnicodeDecodeError):
            raise NotAPng("the credential's text is unreadable") from None
    return None


def baked_badge(credential_json: str) -> bytes:
    """The project's badge image with this credential baked in."""
    return bake(BADGE_IMAGE.read_bytes(), credential_json)
