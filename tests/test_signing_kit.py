"""Shared helpers of the signing tests (issue 4): one PKI and one defect corpus per test session.

Keys are generated at test time (hocba_audit.signing.keys pools them per process) and never
committed. Test modules wrap these helpers in ``scope="session"`` fixtures.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from hocba_audit.signing.corpus import Corpus, generate_corpus
from hocba_audit.signing.pki import SyntheticPKI
from hocba_audit.signing.trust import TrustStore

N_PUPILS = 240
INTEROP = Path(__file__).resolve().parents[1].parent / "shared" / "testdata" / "xmldsig-interop"


@functools.lru_cache(maxsize=1)
def session_pki() -> SyntheticPKI:
    return SyntheticPKI()


@functools.lru_cache(maxsize=1)
def session_corpus() -> tuple[Corpus, TrustStore]:
    folder = Path(tempfile.mkdtemp(prefix="hocba-signing-corpus-"))
    atexit.register(shutil.rmtree, folder, True)
    corpus = generate_corpus(folder, N_PUPILS, seed=4, defect_rate=0.6, pki=SyntheticPKI())
    return corpus, TrustStore.from_folder(corpus.trust_dir)
