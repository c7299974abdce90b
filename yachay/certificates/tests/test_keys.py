"""Signing keys from files, did:web, /.well-known/did.json and the two management commands."""

import http.server
import json
import stat
import threading
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from yachay.certificates import keys
from yachay.certificates import statuslist as sl
from yachay.certificates.credential import (
    StatusEntry,
    build_credential,
    build_status_list,
    sign,
)
from yachay.certificates.issuer import current_key, issuer_did, site_did_document
from yachay.certificates.tests.issuing import DID, VALID_FROM, Issuer, new_key, sample_data


@pytest.fixture
def key_dir(tmp_path, settings):
    settings.YACHAY_SIGNING_KEYS_DIR = tmp_path / "keys"
    settings.YACHAY_SITE_URL = "http://127.0.0.1:8180"
    return settings.YACHAY_SIGNING_KEYS_DIR


def test_did_web_from_the_site_url():
    assert keys.did_web("https://yachay.gob.pe") == "did:web:yachay.gob.pe"
    assert keys.did_web("http://127.0.0.1:8180/") == "did:web:127.0.0.1%3A8180"
    assert keys.did_web("https://example.org/org/yachay") == "did:web:example.org:org:yachay"
    with pytest.raises(ValueError):
        keys.did_web("not a url")


def test_multikey_round_trip_and_base58():
    key = new_key()
    value = keys.public_multibase(key.public)
    assert value.startswith("z6Mk") and len(value) == 48
    assert keys.public_from_multibase(value) == key.public
    assert keys.b58decode(keys.b58encode(b"\0\0abc")) == b"\0\0abc"
    with pytest.raises(ValueError):
        keys.public_from_multibase("z" + keys.b58encode(b"\x12\x34" + b"\0" * 32))


def test_signing_key_create_rotates_and_keeps_old_keys_published(key_dir, capsys):
    call_command("signing_key_create")
    first = sorted(key_dir.glob("*.pem"))
    assert len(first) == 1 and stat.S_IMODE(first[0].stat().st_mode) == 0o600
    assert "did:web:127.0.0.1%3A8180#key-" in capsys.readouterr().out
    keys.create_key(key_dir, now=datetime(2099, 1, 1, tzinfo=UTC))  # a newer one
    document = site_did_document()
    assert [m["id"].split("#")[1] for m in document["verificationMethod"]] == [
        first[0].stem,
        "key-20990101T000000Z",
    ]
    assert current_key().name == "key-20990101T000000Z"
    with pytest.raises(FileExistsError):
        keys.create_key(key_dir, now=datetime(2099, 1, 1, tzinfo=UTC))


def test_if_missing_makes_the_first_key_only(key_dir):
    call_command("signing_key_create", "--if-missing")
    call_command("signing_key_create", "--if-missing")
    assert len(list(key_dir.glob("*.pem"))) == 1


def test_did_json_view_serves_every_key_as_multikey(key_dir, client):
    keys.create_key(key_dir, now=datetime(2026, 1, 1, tzinfo=UTC))
    keys.create_key(key_dir, now=datetime(2026, 6, 1, tzinfo=UTC))
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert "max-age=300" in response["Cache-Control"]
    document = response.json()
    did = "did:web:127.0.0.1%3A8180"
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert document["id"] == did == issuer_did()
    assert document["assertionMethod"] == [
        f"{did}#key-20260101T000000Z",
        f"{did}#key-20260601T000000Z",
    ]
    for method in document["verificationMethod"]:
        assert method["type"] == "Multikey" and method["controller"] == did
        assert method["publicKeyMultibase"].startswith("z6Mk")
    assert client.post("/.well-known/did.json").status_code == 405


def test_a_key_file_that_is_not_ed25519_is_refused(key_dir):
    key_dir.mkdir(parents=True)
    (key_dir / "key-bad.pem").write_text(
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
    )
    with pytest.raises(ValueError):
        keys.load_keys(key_dir)


# --- credential_verify --------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path):
    issuer = Issuer()
    paths = {}

    def write(name, document):
        path = tmp_path / name
        path.write_text(json.dumps(document) if not isinstance(document, str) else document)
        paths[name] = path
        return path

    write("did.json", issuer.did_document())
    write("valid.json", issuer.issue(1))
    write("revoked.json", issuer.issue(2))
    forged = issuer.issue(3)
    forged["credentialSubject"]["achievement"]["name"] = "Doctorado"
    write("forged.json", forged)
    text = json.dumps(issuer.issue(4))
    write("truncated.json", text[: len(text) // 2])
    write("garbage.json", "\x00\xff not json")
    write("array.json", [1, 2])
    issuer.revoke(2)
    write("list.json", issuer.status_list())
    return paths


def verify(files, name, *extra):
    args = [str(files[name]), "--did", str(files["did.json"]), *extra]
    call_command("credential_verify", *args)


def test_credential_verify_accepts_a_valid_credential(files, capsys):
    verify(files, "valid.json", "--status-list", str(files["list.json"]))
    assert capsys.readouterr().out.startswith(
        "Valid: signature, issuer key, dates and status are correct.\nChecked in "
    )
    with translation.override("es"):
        verify(files, "valid.json", "--status-list", str(files["list.json"]))
    assert capsys.readouterr().out.startswith(
        "Válida: la firma, la clave del emisor, las fechas y el estado son correctos.\n"
    )


@pytest.mark.parametrize(
    "name, extra, expected",
    [
        ("revoked.json", True, "revoked"),
        ("forged.json", True, "signature does not match"),
        ("valid.json", False, "is not available"),
        ("truncated.json", True, "is not JSON"),
        ("garbage.json", True, "is not JSON"),
        ("array.json", True, "not a JSON object"),
        ("missing.json", True, "Cannot read"),
    ],
)
def test_credential_verify_says_what_failed(files, capsys, tmp_path, name, extra, expected):
    files.setdefault("missing.json", tmp_path / "missing.json")
    with pytest.raises(CommandError) as raised:
        verify(files, name, *(["--status-list", str(files["list.json"])] if extra else []))
    said = str(raised.value) + capsys.readouterr().err
    assert expected in said


def test_credential_verify_speaks_spanish(files, capsys):
    with translation.override("es"), pytest.raises(CommandError) as raised:
        verify(files, "revoked.json", "--status-list", str(files["list.json"]))
    said = str(raised.value) + capsys.readouterr().err
    assert "revocada" in said and "NO es válida" in said


def test_credential_verify_uses_the_sites_own_did_document_by_default(key_dir, tmp_path, capsys):
    keys.create_key(key_dir)
    issuer = Issuer(keys=[current_key()])  # the helper's DID is this site's (port 8180)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(issuer.issue(1)))
    call_command("credential_verify", str(path), "--no-status")
    assert "not checked" in capsys.readouterr().out
    other = tmp_path / "other.json"
    other.write_text(json.dumps(Issuer().issue(1)))
    with pytest.raises(CommandError):
        call_command("credential_verify", str(other), "--no-status")


def test_credential_verify_fetches_the_live_list_only_when_asked(tmp_path, capsys):
    issuer = Issuer()
    body = json.dumps(issuer.status_list()).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/credenciales/estado/1"
        did = tmp_path / "did.json"
        did.write_text(json.dumps(issuer.did_document()))
        credential = issuer.issue(1)
        credential_path = tmp_path / "c.json"

        signed = sign(
            build_credential(sample_data(1, status=StatusEntry(list_url=url, index=1))),
            private_key=issuer.key.private,
            verification_method=credential["proof"]["verificationMethod"],
        )
        credential_path.write_text(json.dumps(signed))
        # The list's id must be the URL it is served at: re-sign it for this server.

        body = json.dumps(
            sign(
                build_status_list(
                    list_url=url, issuer_id=DID, bits=bytes(sl.new_bits()), valid_from=VALID_FROM
                ),
                private_key=issuer.key.private,
                verification_method=credential["proof"]["verificationMethod"],
            )
        ).encode()
        with pytest.raises(CommandError):  # no list given, no fetch asked: not checked
            call_command("credential_verify", str(credential_path), "--did", str(did))
        assert "not available" in capsys.readouterr().err
        call_command("credential_verify", str(credential_path), "--did", str(did), "--fetch-status")
        assert "Valid" in capsys.readouterr().out
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(CommandError):  # the server is gone: a sentence, not a traceback
        call_command("credential_verify", str(credential_path), "--did", str(did), "--fetch-status")
    assert "not available" in capsys.readouterr().err
