"""The W3C eddsa-rdfc-2022 test vectors (w3c/vc-di-eddsa, TestVectors/), byte for byte."""

import hashlib
import json
from pathlib import Path

import pytest

from yachay.certificates import credential, jsonld, keys

VECTORS = Path(__file__).parent / "vectors"
RDFC = VECTORS / "eddsa-rdfc-2022"
# The examples context the vector uses, as published at that URL (only @vocab).
LOADER = jsonld.make_loader(
    {
        "https://www.w3.org/ns/credentials/examples/v2": {
            "@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}
        }
    }
)


def load(name: str):
    return json.loads((VECTORS / name).read_text())


@pytest.fixture
def key_pair():
    pair = load("keyPair.json")
    private = keys.private_from_multibase(pair["privateKeyMultibase"])
    assert keys.public_multibase(private.public_key()) == pair["publicKeyMultibase"]
    return private


def test_canonical_document_and_proof_and_hashes_match_the_vectors():
    unsigned = load("unsigned.json")
    config = json.loads((RDFC / "proofConfigDataInt.json").read_text())
    canon_doc = jsonld.canonize(unsigned, LOADER)
    canon_proof = jsonld.canonize(config, LOADER)
    assert canon_doc == (RDFC / "canonDocDataInt.txt").read_text()
    assert canon_proof == (RDFC / "proofCanonDataInt.txt").read_text()
    doc_hash = hashlib.sha256(canon_doc.encode()).hexdigest()
    proof_hash = hashlib.sha256(canon_proof.encode()).hexdigest()
    assert doc_hash == (RDFC / "docHashDataInt.txt").read_text().strip()
    assert proof_hash == (RDFC / "proofHashDataInt.txt").read_text().strip()
    assert proof_hash + doc_hash == (RDFC / "combinedHashDataInt.txt").read_text().strip()


def test_signature_and_signed_document_match_the_vectors(key_pair):
    config = json.loads((RDFC / "proofConfigDataInt.json").read_text())
    signed = credential.sign(
        load("unsigned.json"),
        private_key=key_pair,
        verification_method=config["verificationMethod"],
        created=config["created"],
        loader=LOADER,
    )
    expected = json.loads((RDFC / "signedDataInt.json").read_text())
    assert signed == expected
    proof_value = signed["proof"]["proofValue"]
    assert proof_value == (RDFC / "sigBTC58DataInt.txt").read_text().strip()
    signature = keys.b58decode(proof_value[1:])
    assert signature.hex() == (RDFC / "sigHexDataInt.txt").read_text().strip()
