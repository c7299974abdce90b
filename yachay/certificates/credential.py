"""Open Badges 3.0 credentials (W3C Verifiable Credentials 2.0), signed and verified with a
DataIntegrityProof of the eddsa-rdfc-2022 cryptosuite. Pure: no models, no network.

- ``build_credential`` makes the unsigned OpenBadgeCredential from plain data;
- ``build_status_list`` makes the Bitstring Status List credential its status points to;
- ``sign`` adds the proof (RDFC-1.0 canonical N-Quads, SHA-256, Ed25519);
- ``verify_credential`` checks proof, issuer key, dates and status and names every failure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pyld import jsonld as pyld_jsonld

from yachay.certificates import fastcanon, statuslist
from yachay.certificates.jsonld import (
    OB_V3,
    VC_V2,
    ContextNotBundled,
    Loader,
    canonize,
    dropped_values,
)
from yachay.certificates.keys import b58decode, b58encode, keys_in_did_document

CRYPTOSUITE = "eddsa-rdfc-2022"


# ---------------------------------------------------------------------------------------------
# Building


@dataclass(frozen=True)
class IssuerProfile:
    id: str  # the issuer's DID (did:web:…)
    name: str
    url: str | None = None
    image: str | None = None  # URL of a logo


@dataclass(frozen=True)
class Achievement:
    id: str  # URL of the achievement (the track)
    name: str
    description: str
    criteria: str  # narrative: what the learner did to earn it
    hours: Decimal | int | None = None
    image: str | None = None


@dataclass(frozen=True)
class StatusEntry:
    list_url: str  # URL of the status list credential
    index: int


@dataclass(frozen=True)
class CredentialData:
    id: str  # URL of this credential
    name: str
    issuer: IssuerProfile
    achievement: Achievement
    valid_from: datetime
    status: StatusEntry | None
    # The learner: a urn:uuid, and/or a salted hash of an identifier (see hashed_identity).
    subject_id: str | None = None
    identity_hash: str | None = None
    identity_salt: str | None = None
    valid_until: datetime | None = None


def hashed_identity(value: str, salt: str) -> str:
    """Open Badges identityHash: ``sha256$`` + hex SHA-256 of the value followed by the salt."""
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


def xsd_datetime(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_credential(data: CredentialData) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential; only terms defined by the VC v2 and OB 3.0 contexts."""
    issuer: dict[str, Any] = {"id": data.issuer.id, "type": ["Profile"], "name": data.issuer.name}
    if data.issuer.url:
        issuer["url"] = data.issuer.url
    if data.issuer.image:
        issuer["image"] = {"id": data.issuer.image, "type": "Image"}

    narrative = data.achievement.criteria
    if data.achievement.hours is not None:
        hours = data.achievement.hours
        narrative += "\n\n" + ngettext("%(hours)s hour", "%(hours)s hours", int(hours)) % {
            "hours": hours
        }
    achievement: dict[str, Any] = {
        "id": data.achievement.id,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": data.achievement.name,
        "description": data.achievement.description,
        "criteria": {"narrative": narrative},
    }
    if data.achievement.image:
        achievement["image"] = {"id": data.achievement.image, "type": "Image"}

    subject: dict[str, Any] = {"type": ["AchievementSubject"], "achievement": achievement}
    if data.subject_id:
        subject["id"] = data.subject_id
    if data.identity_hash:
        identity: dict[str, Any] = {
            "type": "IdentityObject",
            "identityHash": data.identity_hash,
            "identityType": "identifier",
            "hashed": True,
        }
        if data.identity_salt:
            identity["salt"] = data.identity_salt
        subject["identifier"] = [identity]
    if "id" not in subject and "identifier" not in subject:
        raise ValueError("the subject needs an id or a hashed identifier")

    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_V3],
        "id": data.id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": data.name,
        "issuer": issuer,
        "validFrom": xsd_datetime(data.valid_from),
    }
    if data.valid_until:
        credential["validUntil"] = xsd_datetime(data.valid_until)
    credential["credentialSubject"] = subject
    if data.status:
        credential["credentialStatus"] = status_entry(data.status)
    return credential


def status_entry(status: StatusEntry) -> dict[str, Any]:
    return {
        "id": f"{status.list_url}#{status.index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(status.index),
        "statusListCredential": status.list_url,
    }


def build_status_list(
    *, list_url: str, issuer_id: str, bits: bytes, valid_from: datetime
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential (revocation) for ``bits``."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": statuslist.encode(bits),
        },
    }


# ---------------------------------------------------------------------------------------------
# The eddsa-rdfc-2022 proof


def _hash_data(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    loader: Loader | None,
    *,
    fast: bool = False,
) -> tuple[bytes, str]:
    """The bytes the Ed25519 key signs: SHA-256(proof config) + SHA-256(document), both over
    their RDFC-1.0 canonical N-Quads; and the document's N-Quads (for ``dropped_values``).

    ``fast``: canonicalise through the cached skeletons of ``fastcanon`` (the same N-Quads,
    ~15x quicker for documents of a shape already seen); signing uses it, verifying does not
    (it stays on plain pyld, the reference)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = unsecured["@context"]
    if fast and loader is None:
        nquads = fastcanon.canonize_fast(unsecured)
    else:
        nquads = canonize(unsecured, loader)
    document_hash = hashlib.sha256(nquads.encode("utf-8")).digest()
    return _config_hash(json.dumps(config, sort_keys=True), loader) + document_hash, nquads


def _config_hash(config_json: str, loader: Loader | None) -> bytes:
    """A batch signs with the same proof config: canonicalise it once (custom loaders: always)."""
    if loader is not None:
        return hashlib.sha256(canonize(json.loads(config_json), loader).encode("utf-8")).digest()
    cached = _CONFIG_HASHES.get(config_json)
    if cached is None:
        cached = hashlib.sha256(canonize(json.loads(config_json)).encode("utf-8")).digest()
        if len(_CONFIG_HASHES) > 256:
            _CONFIG_HASHES.clear()
        _CONFIG_HASHES[config_json] = cached
    return cached


_CONFIG_HASHES: dict[str, bytes] = {}


def sign(
    document: Mapping[str, Any],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime | str | None = None,
    loader: Loader | None = None,
) -> dict[str, Any]:
    """``document`` with a DataIntegrityProof (eddsa-rdfc-2022) added."""
    if created is None:
        created = datetime.now(UTC)
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created if isinstance(created, str) else xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(_hash_data(document, proof, loader, fast=True)[0])
    proof["proofValue"] = "z" + b58encode(signature)
    return {**{k: v for k, v in document.items() if k != "proof"}, "proof": proof}


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


@dataclass
class Verification:
    problems: list[Problem] = field(default_factory=list)
    revoked: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, code: str, message: str) -> None:
        self.problems.append(Problem(code, message))


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def check_proof(
    document: Any,
    *,
    did_documents: Mapping[str, Any],
    result: Verification,
    loader: Loader | None = None,
) -> None:
    """Proof shape, issuer key (from the issuer's DID document) and signature."""
    if not isinstance(document, Mapping):
        result.add("malformed", _("The file is not a JSON object."))
        return
    context = document.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2:
        result.add("malformed", _("This is not a Verifiable Credential 2.0."))
        return
    proof = document.get("proof")
    if not isinstance(proof, Mapping):
        result.add("no_proof", _("The credential has no proof (signature)."))
        return
    if (
        proof.get("type") != "DataIntegrityProof"
        or proof.get("cryptosuite") != CRYPTOSUITE
        or proof.get("proofPurpose") != "assertionMethod"
    ):
        result.add(
            "proof_type",
            _("The proof is not an eddsa-rdfc-2022 DataIntegrityProof for assertion."),
        )
        return
    issuer = _issuer_id(document)
    method = proof.get("verificationMethod")
    if not issuer or not isinstance(method, str) or not method.startswith(issuer + "#"):
        result.add("issuer_key", _("The proof was not made with a key of the issuer."))
        return
    public = keys_in_did_document(did_documents.get(issuer), issuer).get(method)
    if public is None:
        result.add(
            "unknown_key",
            _("The signing key %(key)s is not published by the issuer %(issuer)s.")
            % {"key": method, "issuer": issuer},
        )
        return
    value = proof.get("proofValue")
    try:
        if not isinstance(value, str) or not value.startswith("z"):
            raise ValueError
        signature = b58decode(value[1:])
    except ValueError:
        result.add("bad_signature", _("The signature is not valid: it is not readable."))
        return
    try:
        hash_data, nquads = _hash_data(document, proof, loader)
    except ContextNotBundled as error:
        result.add(
            "unknown_context",
            _("The credential uses an unknown JSON-LD context: %(url)s") % {"url": error.url},
        )
        return
    except (pyld_jsonld.JsonLdError, TypeError, ValueError, KeyError, RecursionError):
        result.add("malformed", _("The credential is not valid JSON-LD."))
        return
    if dropped_values(document, nquads):
        result.add(
            "undefined_terms",
            _("The credential contains data that no context defines, so it is not signed."),
        )
        return
    if not _verify_signature(public, signature, hash_data):
        result.add(
            "bad_signature",
            _(
                "The signature does not match: the credential was altered "
                "or not signed by this key."
            ),
        )


def _verify_signature(public: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def verify_credential(
    credential: Any,
    *,
    did_documents: Mapping[str, Any],
    status_lists: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    require_status: bool = True,
    check_status: bool = True,
    loader: Loader | None = None,
) -> Verification:
    """Every check of an OpenBadgeCredential; ``status_lists`` maps a list URL to its credential.

    ``require_status``: a credential without a revocation entry fails; ``check_status=False``
    skips revocation altogether (the caller says so).
    """
    result = Verification()
    check_proof(credential, did_documents=did_documents, result=result, loader=loader)
    if not isinstance(credential, Mapping) or any(
        p.code in ("malformed", "unknown_context") for p in result.problems
    ):
        return result
    types = credential.get("type")
    if not isinstance(types, list) or "OpenBadgeCredential" not in types:
        result.add("not_a_badge", _("This is not an Open Badges credential."))

    now = now or datetime.now(UTC)
    valid_from = _parse_datetime(credential.get("validFrom"))
    if valid_from is None:
        result.add("bad_date", _("The credential has no valid start date (validFrom)."))
    elif now < valid_from:
        result.add(
            "not_yet_valid",
            _("The credential is not valid before %(date)s.") % {"date": credential["validFrom"]},
        )
    if "validUntil" in credential:
        valid_until = _parse_datetime(credential.get("validUntil"))
        if valid_until is None:
            result.add("bad_date", _("The credential's end date (validUntil) is not a date."))
        elif now > valid_until:
            result.add(
                "expired",
                _("The credential expired on %(date)s.") % {"date": credential["validUntil"]},
            )

    if check_status:
        _check_status(credential, did_documents, status_lists, require_status, result, loader, now)
    return result


def _check_status(
    credential: Mapping[str, Any],
    did_documents: Mapping[str, Any],
    status_lists: Mapping[str, Any] | None,
    require_status: bool,
    result: Verification,
    loader: Loader | None,
    now: datetime,
) -> None:
    entries = credential.get("credentialStatus")
    if isinstance(entries, Mapping):
        entries = [entries]
    revocation = [
        e
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, Mapping)
        and e.get("type") == "BitstringStatusListEntry"
        and e.get("statusPurpose") == "revocation"
    ]
    if not revocation:
        if require_status:
            result.add("no_status", _("The credential has no revocation status entry."))
        return
    for entry in revocation:
        url = entry.get("statusListCredential")
        try:
            index = int(str(entry.get("statusListIndex")))
            if index < 0:
                raise ValueError
        except ValueError:
            result.add("bad_status", _("The credential's status entry is not valid."))
            continue
        status_list = (status_lists or {}).get(url) if isinstance(url, str) else None
        if status_list is None:
            result.add(
                "status_unavailable",
                _("The status list %(url)s is not available: revocation was not checked.")
                % {"url": url},
            )
            continue
        list_check = Verification()
        check_proof(status_list, did_documents=did_documents, result=list_check, loader=loader)
        subject = status_list.get("credentialSubject") if isinstance(status_list, Mapping) else None
        if (
            list_check.problems
            or not isinstance(subject, Mapping)
            or status_list.get("id") != url
            or _issuer_id(status_list) != _issuer_id(credential)
            or subject.get("type") != "BitstringStatusList"
            or subject.get("statusPurpose") != "revocation"
        ):
            result.add(
                "bad_status_list",
                _("The status list %(url)s is not a valid list signed by the same issuer.")
                % {"url": url},
            )
            continue
        until = _parse_datetime(status_list.get("validUntil"))
        if until is not None and now > until:
            result.add("bad_status_list", _("The status list %(url)s has expired.") % {"url": url})
            continue
        try:
            revoked = statuslist.get_bit(statuslist.decode(str(subject.get("encodedList"))), index)
        except (statuslist.StatusListError, IndexError):
            result.add(
                "bad_status_list",
                _("The status list %(url)s cannot be read at this credential's position.")
                % {"url": url},
            )
            continue
        if revoked:
            result.revoked = True
            result.add("revoked", _("The credential has been revoked by its issuer."))
