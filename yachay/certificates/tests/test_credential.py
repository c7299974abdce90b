"""Building, signing and verifying Open Badges 3.0 credentials (pure: no database)."""

import copy
import socket
import urllib.request
from datetime import UTC, datetime

import pytest

from yachay.certificates import jsonld
from yachay.certificates.credential import build_credential, verify_credential
from yachay.certificates.jsonld import OB_V3, VC_V2, ContextNotBundled
from yachay.certificates.tests.issuing import DID, LIST_URL, Issuer, new_key, sample_data

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def issuer():
    return Issuer()


def check(issuer, credential, *, status_list=None, now=NOW, **kwargs):
    lists = {LIST_URL: status_list or issuer.status_list()}
    return verify_credential(
        credential,
        did_documents={DID: issuer.did_document()},
        status_lists=lists,
        now=now,
        **kwargs,
    )


def codes(result):
    return [p.code for p in result.problems]


def test_the_credential_is_an_open_badge_with_only_context_defined_terms(issuer):
    credential = issuer.issue(3)
    assert credential["@context"] == [VC_V2, OB_V3]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["achievement"]["name"] == "Fundamentos de IA aplicada"
    assert "64 hours" in credential["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert credential["credentialStatus"] == {
        "id": f"{LIST_URL}#3",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "3",
        "statusListCredential": LIST_URL,
    }
    identity = credential["credentialSubject"]["identifier"][0]
    assert identity["identityHash"].startswith("sha256$") and "learner-3" not in str(credential)
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    assert jsonld.dropped_values(unsigned, jsonld.canonize(unsigned)) == []
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["proof"]["verificationMethod"] == f"{DID}#key-1"


def test_a_valid_credential_verifies(issuer):
    result = check(issuer, issuer.issue(1))
    assert result.ok, result.problems
    assert not result.revoked


def test_subject_by_urn_uuid():
    issuer = Issuer()
    credential = issuer.issue(
        2, subject_id="urn:uuid:0b5f8a52-2f43-4c8b-9a57-3d1bb0c1f6a1", identity_hash=None
    )
    assert credential["credentialSubject"]["id"].startswith("urn:uuid:")
    assert check(issuer, credential).ok
    with pytest.raises(ValueError):
        build_credential(sample_data(identity_hash=None))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c.__setitem__("name", "Certificado: Doctorado"),
        lambda c: c.__setitem__("validFrom", "2025-01-01T00:00:00Z"),
        lambda c: c["credentialSubject"]["achievement"].__setitem__("name", "Otra ruta"),
        lambda c: c["credentialSubject"]["achievement"]["criteria"].__setitem__(
            "narrative", "Nada"
        ),
        lambda c: c["issuer"].__setitem__("name", "Otra institución"),
        lambda c: c["credentialStatus"].__setitem__("statusListIndex", "7"),
    ],
    ids=["name", "date", "achievement", "criteria", "issuer-name", "status-index"],
)
def test_tampering_breaks_the_signature(issuer, tamper):
    credential = issuer.issue(1)
    tamper(credential)
    assert "bad_signature" in codes(check(issuer, credential))


def test_a_term_no_context_defines_is_refused(issuer):
    credential = issuer.issue(1)
    credential["credentialSubject"]["nota"] = "20/20"  # pyld would drop it from what is signed
    assert codes(check(issuer, credential)) == ["undefined_terms"]


def test_a_proof_from_another_key_fails(issuer):
    stranger = Issuer(keys=[new_key("key-1")])  # same method id, different key
    assert "bad_signature" in codes(check(issuer, stranger.issue(1)))
    unknown = issuer.issue(1, key=new_key("key-9"))  # a method the DID does not publish
    assert codes(check(issuer, unknown)) == ["unknown_key"]


def test_rotation_keeps_old_credentials_verifying(issuer):
    old = issuer.issue(1)
    issuer.keys.append(new_key("key-2"))
    new = issuer.issue(2)
    assert new["proof"]["verificationMethod"].endswith("#key-2")
    assert check(issuer, old).ok and check(issuer, new).ok
    issuer.keys.pop(0)  # withdrawing a key makes what it signed unverifiable
    assert codes(check(issuer, old)) == ["unknown_key"]


def test_revoked_credential_is_reported(issuer):
    credential = issuer.issue(5)
    issuer.revoke(5)
    result = check(issuer, credential)
    assert result.revoked and codes(result) == ["revoked"]
    assert check(issuer, issuer.issue(6)).ok


def test_status_list_problems(issuer):
    credential = issuer.issue(1)
    result = verify_credential(credential, did_documents={DID: issuer.did_document()}, now=NOW)
    assert codes(result) == ["status_unavailable"]
    forged = Issuer().status_list()  # signed by another key
    assert codes(check(issuer, credential, status_list=forged)) == ["bad_status_list"]
    as_array = issuer.status_list()
    as_array["credentialSubject"]["type"] = ["BitstringStatusList"]
    assert codes(check(issuer, credential, status_list=as_array)) == ["bad_status_list"]
    no_status = copy.deepcopy(credential)
    del no_status["credentialStatus"]
    assert "no_status" in codes(check(issuer, no_status))


def test_dates(issuer):
    credential = issuer.issue(1, valid_until=datetime(2026, 5, 1, tzinfo=UTC))
    assert codes(check(issuer, credential)) == ["expired"]
    early = datetime(2026, 1, 1, tzinfo=UTC)
    assert codes(check(issuer, issuer.issue(1), now=early)) == ["not_yet_valid"]


@pytest.mark.parametrize(
    "garbage",
    [None, 7, "x", [], {}, {"@context": "x"}, {"@context": [VC_V2], "proof": "z"}],
)
def test_garbage_gets_an_answer_not_an_exception(issuer, garbage):
    assert not check(issuer, garbage).ok


def test_malformed_json_ld_gets_an_answer(issuer):
    deep = issuer.issue(1)
    nested: dict = {}
    for _ in range(5000):
        nested = {"description": nested}
    deep["credentialSubject"]["achievement"] = nested
    assert not check(issuer, deep).ok
    credential = issuer.issue(1)
    credential["@context"] = [VC_V2, {"@vocab": 5}]
    assert codes(check(issuer, credential)) == ["malformed"]
    credential = issuer.issue(1)
    credential["proof"]["proofValue"] = "z0OIl"  # not base58
    assert codes(check(issuer, credential)) == ["bad_signature"]


def test_an_unknown_context_is_refused_not_fetched(issuer, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the document loader touched the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    unknown = "https://example.org/contexts/evil.jsonld"
    with pytest.raises(ContextNotBundled) as raised:
        jsonld.canonize({"@context": [VC_V2, unknown], "type": "VerifiableCredential"})
    assert raised.value.url == unknown
    credential = issuer.issue(1)
    credential["@context"].append(unknown)
    assert codes(check(issuer, credential)) == ["unknown_context"]
