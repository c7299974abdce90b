"""Open Badges credentials: sign and verify per credential, beside a bare Ed25519 signature.

Run it from the repository root (pure Python: no database, no server):

    .venv/bin/python bench/credential_bench.py            # 200 credentials, 3 runs
    .venv/bin/python bench/credential_bench.py -n 50      # a quicker look

Per credential: *sign* = build the OpenBadgeCredential + eddsa-rdfc-2022 proof (two RDFC-1.0
canonicalisations, two SHA-256, one Ed25519 signature); *verify* = everything
``credential_verify`` checks (proof, issuer key from the DID document, dates, revocation in a
signed 131,072-bit status list, which is itself verified); *credential_verify* = the command's
whole handle() on a file, in-process (Django already started). Baseline: a bare Ed25519 sign /
verify of the same credential's JSON bytes. Medians of ``--runs``; exit status 0 when the
command stays under the issue's 100 ms per credential.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yachay.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from yachay.certificates.credential import verify_credential  # noqa: E402
from yachay.certificates.tests.issuing import DID, LIST_URL, Issuer  # noqa: E402

CPU: dict[str, float] = {}  # label -> CPU ms per item (median of runs): load-independent


def per_item(fn, items, runs, label=None):
    """Wall-clock ms per item (median of runs); the CPU ms go to ``CPU[label]``."""
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        for item in items:
            fn(item)
        times.append((time.perf_counter() - start) / len(items) * 1000)
        cpu.append((time.process_time() - start_cpu) / len(items) * 1000)
    if label:
        CPU[label] = statistics.median(cpu)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="credentials per run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    issuer = Issuer()
    indexes = list(range(args.n))
    credentials = [issuer.issue(i) for i in indexes]
    issuer.revoke(0)
    did_docs = {DID: issuer.did_document()}
    lists = {LIST_URL: issuer.status_list()}
    payloads = [json.dumps(c).encode() for c in credentials]
    signatures = [issuer.key.private.sign(p) for p in payloads]
    public = issuer.key.public

    sign_ms = per_item(issuer.issue, indexes, args.runs, "sign")
    verify_ms = per_item(
        lambda c: verify_credential(c, did_documents=did_docs, status_lists=lists),
        credentials,
        args.runs,
        "verify",
    )
    bare_sign_ms = per_item(issuer.key.private.sign, payloads, args.runs, "bare_sign")
    bare_verify_ms = per_item(
        lambda i: public.verify(signatures[i], payloads[i]), indexes, args.runs
    )

    with tempfile.TemporaryDirectory() as tmp:
        did_path = Path(tmp) / "did.json"
        list_path = Path(tmp) / "list.json"
        did_path.write_text(json.dumps(did_docs[DID]))
        list_path.write_text(json.dumps(lists[LIST_URL]))
        paths = []
        for i, credential in enumerate(credentials[1:]):  # 0 is revoked
            path = Path(tmp) / f"c{i}.json"
            path.write_text(json.dumps(credential))
            paths.append(path)
        out = io.StringIO()
        command_ms = per_item(
            lambda p: call_command(
                "credential_verify",
                str(p),
                "--did",
                str(did_path),
                "--status-list",
                str(list_path),
                stdout=out,
            ),
            paths,
            args.runs,
            "command",
        )

    print(f"Command: .venv/bin/python bench/credential_bench.py -n {args.n} --runs {args.runs}")
    print(
        f"Machine: {platform.machine()}, CPython {platform.python_version()}, {platform.system()}"
    )
    print()
    print(f"Load average: {os.getloadavg()[0]:.1f}")
    print()
    print("| per credential (median of runs) | ms | × bare Ed25519 |")
    print("|---|---:|---:|")
    print(
        f"| sign: build + eddsa-rdfc-2022 proof | {sign_ms:.2f} | {sign_ms / bare_sign_ms:,.0f}× |"
    )
    print(f"| bare Ed25519 sign of the JSON bytes | {bare_sign_ms:.3f} | 1× |")
    print(
        f"| verify: proof + key + dates + status list | {verify_ms:.2f} |"
        f" {verify_ms / bare_verify_ms:,.0f}× |"
    )
    print(f"| bare Ed25519 verify of the JSON bytes | {bare_verify_ms:.3f} | 1× |")
    print(f"| credential_verify command (in-process) | {command_ms:.2f} | |")
    print()
    print("CPU ms per credential (this process; what a free core would take):")
    for label, value in CPU.items():
        print(f"- {label}: {value:.2f}")
    ok = CPU["command"] < 100
    print()
    print(f"- credential_verify under 100 ms of CPU per credential: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
