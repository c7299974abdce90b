"""The cached-skeleton canonicaliser gives exactly pyld's RDFC-1.0 N-Quads, for every value."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from yachay.certificates import fastcanon, jsonld
from yachay.certificates.credential import (
    Achievement,
    IssuerProfile,
    StatusEntry,
    build_credential,
    build_status_list,
    verify_credential,
)
from yachay.certificates.tests.issuing import DID, LIST_URL, Issuer, sample_data

# Every kind of text a name, a description or a URL may hold.
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=40
) | st.sampled_from(
    [
        "Ñahui Quispe-Mamani",
        'O\'Higgins "el" \\ back\\slash',
        "línea 1\nlínea 2\r\ttab",
        "nul\x00 bell\x07 esc\x1b",
        "https://ejemplo.pe/a b",
        "https://ejemplo.pe/ruta#frag",
        "http://127.0.0.1:8000/verificar/ABCD-EFGH-JK/",
        "did:web:ejemplo.pe",
        "urn:uuid:1234",
        "_:b0",
        "@id",
        "mailto:x@y.pe",
        "Certificado: IA",
        "yachayph0",
        "<script>alert(1)</script>",
        "'; DROP TABLE certificates_certificate; --",
        "",
    ]
)
IRI = st.sampled_from(
    [
        "https://ejemplo.pe/rutas/ia",
        "http://127.0.0.1:8180/credenciales/7",
        "urn:uuid:0b5f",
        "did:web:ejemplo.pe",
        "https://ejemplo.pe/a b",
        "https://ejemplo.pe/yachayph3",
        "relative/path",
        "",
    ]
)


def both(document: dict[str, Any]) -> tuple[str, str]:
    return jsonld.canonize(copy.deepcopy(document)), fastcanon.canonize_fast(document)


def test_a_batch_of_credentials_takes_the_fast_way_with_the_same_nquads() -> None:
    before = fastcanon.stats()
    for index in range(30):
        document = build_credential(sample_data(index))
        slow, fast = both(document)
        assert fast == slow
    after = fastcanon.stats()
    assert after["fast"] - before["fast"] == 30
    assert after["templates"] - before["templates"] <= 1  # one skeleton for the whole batch


@settings(max_examples=60, deadline=None)
@given(
    name=TEXT,
    issuer_name=TEXT,
    description=TEXT,
    criteria=TEXT,
    issuer_url=IRI,
    achievement_id=IRI,
    credential_id=IRI,
    image=st.none() | IRI,
    index=st.integers(min_value=0, max_value=131071),
    hours=st.none() | st.integers(min_value=0, max_value=999),
    subject_id=st.none() | IRI,
    valid_until=st.booleans(),
)
def test_any_values_give_the_nquads_pyld_gives(
    name: str,
    issuer_name: str,
    description: str,
    criteria: str,
    issuer_url: str,
    achievement_id: str,
    credential_id: str,
    image: str | None,
    index: int,
    hours: int | None,
    subject_id: str | None,
    valid_until: bool,
) -> None:
    data = replace(
        sample_data(index),
        id=credential_id,
        name=name,
        issuer=IssuerProfile(id=DID, name=issuer_name, url=issuer_url or None, image=image),
        achievement=Achievement(
            id=achievement_id,
            name=name,
            description=description,
            criteria=criteria,
            hours=hours,
            image=image,
        ),
        subject_id=subject_id,
        status=StatusEntry(list_url=LIST_URL, index=index),
        valid_until=datetime(2030, 1, 1, tzinfo=UTC) if valid_until else None,
    )
    slow, fast = both(build_credential(data))
    assert fast == slow


def test_values_that_merge_into_one_node_merge_as_in_pyld() -> None:
    data = sample_data(1)
    same = "https://ejemplo.pe/lo-mismo"
    document = build_credential(
        replace(data, id=same, achievement=replace(data.achievement, id=same))
    )
    slow, fast = both(document)
    assert fast == slow


def test_the_status_list_and_odd_documents_agree() -> None:
    status = build_status_list(
        list_url=LIST_URL, issuer_id=DID, bits=bytes(16384), valid_from=datetime.now(UTC)
    )
    assert fastcanon.canonize_fast(status) == jsonld.canonize(status)
    odd = {"@context": [jsonld.VC_V2], "type": "VerifiableCredential", "name": ["a", "a", "b"]}
    assert fastcanon.canonize_fast(odd) == jsonld.canonize(odd)


def test_a_value_carrying_the_marker_goes_the_slow_way() -> None:
    document = build_credential(sample_data(2))
    document["name"] = "yachayph7 in the name"
    before = fastcanon.stats()["slow"]
    slow, fast = both(document)
    assert fast == slow
    assert fastcanon.stats()["slow"] == before + 1


def test_credentials_signed_the_fast_way_verify_with_plain_pyld() -> None:
    issuer = Issuer()
    result = verify_credential(
        issuer.issue(5),
        did_documents={DID: issuer.did_document()},
        status_lists={LIST_URL: issuer.status_list()},
    )
    assert result.ok, result.problems
