"""Ed25519 signing keys: PEM files in settings.YACHAY_SIGNING_KEYS_DIR (never the database, never
git), their Multikey form, and the issuer's did:web document.

Rotation: every ``*.pem`` in the directory is published in did.json; the newest (by file name,
which ``signing_key_create`` makes from the UTC time) signs. Old keys stay, so credentials they
signed keep verifying; deleting a file withdraws that key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from yachay.certificates.jsonld import DID_V1, MULTIKEY_V1

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub
ED25519_PRIV = b"\x80\x26"  # multicodec ed25519-priv


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rem = divmod(number, 58)
        out = _B58[rem] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = _B58.find(char)
        if index < 0:
            raise ValueError("not base58btc")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def public_multibase(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(ED25519_PUB + raw)


def public_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("not base58btc multibase")
    raw = b58decode(value[1:])
    if len(raw) != 34 or raw[:2] != ED25519_PUB:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_from_multibase(value: str) -> Ed25519PrivateKey:
    raw = b58decode(value[1:])
    if len(raw) != 34 or raw[:2] != ED25519_PRIV:
        raise ValueError("not an Ed25519 secret Multikey")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def did_web(site_url: str) -> str:
    """did:web of a site: https://example.org -> did:web:example.org; a port is %3A-encoded."""
    parts = urlsplit(site_url)
    if not parts.hostname:
        raise ValueError(f"no host in {site_url!r}")
    host = parts.hostname + (f"%3A{parts.port}" if parts.port else "")
    path = [p for p in parts.path.split("/") if p]
    return ":".join(["did:web", host, *path])


@dataclass(frozen=True)
class SigningKey:
    name: str  # the file's stem, also the fragment of the verification method
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    def method_id(self, did: str) -> str:
        return f"{did}#{self.name}"


def load_pem(path: Path) -> SigningKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path.name} is not an Ed25519 private key")
    return SigningKey(name=path.stem, private=key)


def load_keys(directory: Path) -> list[SigningKey]:
    """Every key in ``directory``, oldest first (the last one signs)."""
    if not directory.is_dir():
        return []
    return [load_pem(path) for path in sorted(directory.glob("*.pem"))]


def create_key(directory: Path, now: datetime | None = None) -> Path:
    """Write a new Ed25519 key (PKCS#8 PEM, mode 0600) named after the UTC time."""
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"key-{now:%Y%m%dT%H%M%S}Z.pem"
    if path.exists():
        raise FileExistsError(path)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return path


def did_document(did: str, keys: list[SigningKey]) -> dict[str, Any]:
    """The did:web document: every key as a Multikey, listed under assertionMethod."""
    methods = [
        {
            "id": key.method_id(did),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": public_multibase(key.public),
        }
        for key in keys
    ]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def keys_in_did_document(document: Any, did: str) -> dict[str, Ed25519PublicKey]:
    """Verification method id -> public key, for the methods the DID allows to assert."""
    if not isinstance(document, dict) or document.get("id") != did:
        return {}
    allowed = set(document.get("assertionMethod") or [])
    found: dict[str, Ed25519PublicKey] = {}
    for method in document.get("verificationMethod") or []:
        if not isinstance(method, dict):
            continue
        method_id = method.get("id")
        if (
            not isinstance(method_id, str)
            or method_id not in allowed
            or method.get("controller") != did
        ):
            continue
        if method.get("type") != "Multikey":
            continue
        try:
            found[method_id] = public_from_multibase(str(method.get("publicKeyMultibase")))
        except ValueError:
            continue
    return found
