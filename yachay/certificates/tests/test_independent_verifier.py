"""Credentials issued by our Python signer, verified by the W3C editors' JavaScript libraries
(tools/verify-credentials.mjs; `make js` installs them, `make test-credentials` runs this)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from yachay.certificates.tests.issuing import Issuer, new_key

pytestmark = pytest.mark.node

SCRIPT = Path(settings.BASE_DIR) / "tools" / "verify-credentials.mjs"


def tampered(credential, change):
    change(credential)
    return credential


def test_the_w3c_libraries_agree_with_our_verdicts(tmp_path):
    node = shutil.which("node")
    assert node, "node is needed (Debian's nodejs; .ci/run installs npm, which brings it)"
    assert (Path(settings.BASE_DIR) / "node_modules" / "@digitalbazaar" / "vc").is_dir(), (
        "run `make js` first"
    )
    issuer = Issuer()
    old = issuer.issue(1)
    issuer.keys.append(new_key("key-2"))  # rotation: the old credential must still verify
    cases = {
        "valid": issuer.issue(2),
        "valid-old-key": old,
        "valid-urn-uuid": issuer.issue(
            3, subject_id="urn:uuid:0b5f8a52-2f43-4c8b-9a57-3d1bb0c1f6a1", identity_hash=None
        ),
        "name": tampered(issuer.issue(4), lambda c: c.__setitem__("name", "Doctorado")),
        "date": tampered(
            issuer.issue(5), lambda c: c.__setitem__("validFrom", "2025-01-01T00:00:00Z")
        ),
        "achievement": tampered(
            issuer.issue(6),
            lambda c: c["credentialSubject"]["achievement"].__setitem__("name", "Otra ruta"),
        ),
        "other-key": Issuer(keys=[new_key("key-2")]).issue(7),
        "unknown-key": issuer.issue(8, key=new_key("key-9")),
        "undefined-term": tampered(
            issuer.issue(9), lambda c: c["credentialSubject"].__setitem__("nota", "20")
        ),
        "revoked": issuer.issue(10),
    }
    issuer.revoke(10)
    (tmp_path / "did.json").write_text(json.dumps(issuer.did_document()))
    (tmp_path / "list.json").write_text(json.dumps(issuer.status_list()))
    files = []
    for name, credential in cases.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(credential, ensure_ascii=False))
        files.append(str(tmp_path / f"{name}.json"))
    lists = str(tmp_path / "list.json")
    run = subprocess.run(
        [node, str(SCRIPT), "--did", str(tmp_path / "did.json"), "--status-list", lists, *files],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
    )
    assert run.returncode == 0, run.stderr
    verdicts = {Path(r["file"]).stem: r for r in map(json.loads, run.stdout.splitlines())}
    assert set(verdicts) == set(cases)
    for name in ("valid", "valid-old-key", "valid-urn-uuid"):
        assert verdicts[name]["verified"] and verdicts[name]["revoked"] is False, verdicts[name]
    for name in ("name", "date", "achievement", "other-key", "unknown-key", "undefined-term"):
        assert not verdicts[name]["verified"], (name, verdicts[name])
        assert verdicts[name]["error"], name
    assert not verdicts["revoked"]["verified"] and verdicts["revoked"]["revoked"] is True
