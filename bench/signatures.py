"""Signature verification benchmark: the project's verifier against signxml and python-xmlsec.

Generates one signed corpus (default 2,000 records x 3 signatures, with injected defects, keys
generated once for the run), then verifies every record with each verifier, single-process and
with a 2-process pool, and prints records and signatures per second side by side, plus the
project's accuracy table on the same corpus.

What each verifier does per record:
  project  : hardened parse, record profile (Id resolution, wrapping check), every digest and
             signature value (fast path), certificate chain to the role's anchors, validity at
             SigningTime, CRL revocation, algorithm floor, identity parsing, Vietnamese verdict.
  xmlsec   : python-xmlsec (libxmlsec1) ctx.verify of each ds:Signature with the key of its
             embedded certificate (Id attribute registered): cryptography only.
  signxml  : signxml XMLVerifier.verify of each ds:Signature pinned to its embedded
             certificate: cryptography only.

Usage: .venv/bin/python bench/signatures.py [--docs 2000] [--seed 4] [--defect-rate 0.3] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from hocba_audit.signing.accuracy import markdown, score  # noqa: E402
from hocba_audit.signing.corpus import generate_corpus  # noqa: E402
from hocba_audit.signing.peers import signxml_results, xmlsec_results  # noqa: E402
from hocba_audit.signing.trust import TrustStore  # noqa: E402
from hocba_audit.signing.verify import verify_document  # noqa: E402

_STATE: dict = {}


def _init(trust_dir: str) -> None:
    _STATE["trust"] = TrustStore.from_folder(trust_dir)


def _run(verifier: str, paths: list[str]) -> int:
    """Verify the files in ``paths`` with ``verifier``; returns the number of signatures seen."""
    sigs = 0
    for p in paths:
        data = Path(p).read_bytes()
        if verifier == "project":
            sigs += len(verify_document(data, _STATE["trust"]).signatures)
        elif verifier == "xmlsec":
            sigs += len(xmlsec_results(data))
        else:
            sigs += len(signxml_results(data))
    return sigs


def _chunks(items: list[str], n: int) -> list[list[str]]:
    size = max(1, len(items) // n)
    return [items[i:i + size] for i in range(0, len(items), size)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000, help="pupils (a few are roster-only, without a file)")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--defect-rate", type=float, default=0.3)
    ap.add_argument("--out", type=Path, default=None, help="corpus folder (default: a temporary one)")
    args = ap.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="hocba-sigbench-"))
    try:
        t0 = time.perf_counter()
        corpus = generate_corpus(folder, args.docs, seed=args.seed, defect_rate=args.defect_rate)
        gen = time.perf_counter() - t0
        paths = [str(p) for p in corpus.files]
        _init(str(corpus.trust_dir))
        n_sigs = sum(len(xmlsec_results(Path(p).read_bytes())) for p in paths)
        print(f"corpus: {len(paths)} records, {n_sigs} signatures, generated and signed in {gen:.1f} s "
              f"({len(paths) / gen:.0f} records/s); CPUs: {os.cpu_count()}")
        rows = []
        for verifier in ("project", "xmlsec", "signxml"):
            _run(verifier, paths[:20])  # warm caches and imports
            t = time.perf_counter()
            sigs = _run(verifier, paths)
            single = time.perf_counter() - t
            with ProcessPoolExecutor(2, initializer=_init, initargs=(str(corpus.trust_dir),)) as pool:
                list(pool.map(_run, [verifier] * 2, [paths[:20], paths[20:40]]))  # start and warm both
                t = time.perf_counter()
                chunks = _chunks(paths, 8)
                sigs2 = sum(pool.map(_run, [verifier] * len(chunks), chunks))
                double = time.perf_counter() - t
            assert sigs == sigs2 == n_sigs, (verifier, sigs, sigs2, n_sigs)
            rows.append((verifier, single, double))
        print()
        print("| verifier | what it checks | 1 process docs/s | sigs/s | 2 processes docs/s | sigs/s |")
        print("|---|---|---:|---:|---:|---:|")
        what = {"project": "crypto + profile + chain + time + CRL + policy", "xmlsec": "crypto only",
                "signxml": "crypto only"}
        for verifier, single, double in rows:
            print(f"| {verifier} | {what[verifier]} | {len(paths) / single:,.0f} | {n_sigs / single:,.0f} "
                  f"| {len(paths) / double:,.0f} | {n_sigs / double:,.0f} |")
        best = {v: len(paths) / d for v, _, d in rows}
        ratio = best["project"] / best["xmlsec"]
        print(f"\nproject / python-xmlsec (2 processes): {ratio:.2f}x -> "
              f"{'PASS' if ratio >= 1 else 'FAIL'} (target: at least python-xmlsec's speed)")
        table, mismatches = score(corpus, TrustStore.from_folder(corpus.trust_dir))
        print("\nAccuracy of the project's verdicts on this corpus (records correct / records):\n")
        print(markdown(table))
        print(f"\nmismatches: {len(mismatches)}")
        for m in mismatches[:10]:
            print("  ", m)
    finally:
        if args.out is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
