"""Bitstring Status List (W3C): the bits, gzip + base64url with the multibase ``u`` prefix.

Bit 0 is the leftmost (most significant) bit of the first byte; 131,072 bits (16 KB) is the
minimum size, so that one credential's bit does not single out its holder.
"""

from __future__ import annotations

import base64
import gzip
import io

MIN_BITS = 131_072


class StatusListError(ValueError):
    """An encodedList that is not gzip + base64url with a ``u`` prefix."""


def new_bits(size: int = MIN_BITS) -> bytearray:
    size = max(size, MIN_BITS)
    return bytearray((size + 7) // 8)


def set_bit(bits: bytearray, index: int, value: bool = True) -> None:
    byte, offset = divmod(index, 8)
    mask = 0x80 >> offset
    bits[byte] = (bits[byte] | mask) if value else (bits[byte] & ~mask)


def get_bit(bits: bytes, index: int) -> bool:
    byte, offset = divmod(index, 8)
    if index < 0 or byte >= len(bits):
        raise IndexError(index)
    return bool(bits[byte] & (0x80 >> offset))


def encode(bits: bytes) -> str:
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode(encoded: str) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("encodedList must start with 'u' (base64url multibase)")
    body = encoded[1:]
    try:
        packed = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
        # A gzip bomb is bounded: a status list is a few hundred KB at most.
        with gzip.GzipFile(fileobj=io.BytesIO(packed)) as f:
            bits = f.read(16 * 1024 * 1024 + 1)
    except (ValueError, OSError, EOFError) as error:
        raise StatusListError(str(error)) from error
    if not bits:
        raise StatusListError("encodedList is empty")
    if len(bits) > 16 * 1024 * 1024:
        raise StatusListError("encodedList too large")
    return bits
