"""Test helpers: an issuer with in-memory keys that signs credentials and status lists."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yachay.certificates import statuslist
from yachay.certificates.credential import (
    Achievement,
    CredentialData,
    IssuerProfile,
    StatusEntry,
    build_credential,
    build_status_list,
    hashed_identity,
    sign,
)
from yachay.certificates.keys import SigningKey, did_document

SITE = "http://127.0.0.1:8180"
DID = "did:web:127.0.0.1%3A8180"
LIST_URL = f"{SITE}/credenciales/estado/1"
VALID_FROM = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)


def new_key(name: str = "key-1") -> SigningKey:
    return SigningKey(name=name, private=Ed25519PrivateKey.generate())


def sample_data(index: int = 0, **changes: Any) -> CredentialData:
    data = CredentialData(
        id=f"{SITE}/credenciales/{index}",
        name="Certificado: Fundamentos de IA",
        issuer=IssuerProfile(id=DID, name="Programa Nacional Yachay", url=SITE),
        achievement=Achievement(
            id=f"{SITE}/rutas/fundamentos-ia",
            name="Fundamentos de IA aplicada",
            description="Ruta de 8 semanas sobre inteligencia artificial aplicada.",
            criteria="Asistió al 80 % de las sesiones y aprobó las evaluaciones.",
            hours=64,
        ),
        valid_from=VALID_FROM,
        status=StatusEntry(list_url=LIST_URL, index=index),
        identity_hash=hashed_identity(f"learner-{index}", "sal-de-maras"),
        identity_salt="sal-de-maras",
    )
    return replace(data, **changes)


@dataclass
class Issuer:
    keys: list[SigningKey] = field(default_factory=lambda: [new_key()])
    bits: bytearray = field(default_factory=statuslist.new_bits)

    @property
    def key(self) -> SigningKey:
        return self.keys[-1]

    def did_document(self) -> dict[str, Any]:
        return did_document(DID, self.keys)

    def issue(
        self, index: int = 0, key: SigningKey | None = None, **changes: Any
    ) -> dict[str, Any]:
        key = key or self.key
        return sign(
            build_credential(sample_data(index, **changes)),
            private_key=key.private,
            verification_method=key.method_id(DID),
            created=VALID_FROM,
        )

    def revoke(self, index: int) -> None:
        statuslist.set_bit(self.bits, index)

    def status_list(self) -> dict[str, Any]:
        return sign(
            build_status_list(
                list_url=LIST_URL, issuer_id=DID, bits=bytes(self.bits), valid_from=VALID_FROM
            ),
            private_key=self.key.private,
            verification_method=self.key.method_id(DID),
            created=VALID_FROM,
        )
