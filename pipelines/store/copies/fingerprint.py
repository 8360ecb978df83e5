"""MinHash fingerprints of cleaned report texts, for near-duplicate detection.

A copy of a report differs from its original in ways that carry no content: traditional
script, pinyin glosses from a broken converter, full-width forms, numbers or names blanked to
×, spacing and punctuation.  `normalise` removes all of that; the fingerprint is a datasketch
MinHash over the character k-shingles of what is left.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import opencc
from datasketch import LeanMinHash, MinHash

from pipelines.page import Fingerprint

SHINGLE = 5  # characters per shingle: Chinese words are 1-4 characters, so 5 spans a phrase
NUM_PERM = 128
SEED = 1
SCHEME = "affine32"  # uint32 hash values: 4 bytes per permutation in the database
MIN_SHINGLES = 20  # fewer than this: too short to compare, never merged with anything

_T2S = opencc.OpenCC("t2s")
_PINYIN_RE = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}[)）]")
# Digits and blanks (×, X, ○, ＊...) all become one mark, runs collapsed: a template copy
# whose numbers are blanked reads the same as its original.
_MASK_RE = re.compile(r"[0-9０-９×xX*＊○〇□]+(?:[.．%％][0-9×xX]*)*")
_DROP_RE = re.compile(r"[^\w#]|_")  # punctuation, symbols, spaces
_RUNS_RE = re.compile(r"#{2,}")


def normalise(text: str) -> str:
    """The text as compared: NFKC, simplified, no pinyin glosses, numbers and × masked to #,
    no whitespace or punctuation, lower case."""
    text = unicodedata.normalize("NFKC", text)
    text = _T2S.convert(_PINYIN_RE.sub("", text))
    text = _DROP_RE.sub("", _MASK_RE.sub("#", text))
    return _RUNS_RE.sub("#", text).lower()


def shingle_hashes(norm: str, k: int = SHINGLE) -> np.ndarray:
    """32-bit hashes of the distinct k-character shingles (a deterministic rolling hash in
    numpy: Python's own str hash differs per process, and signatures are stored)."""
    if not norm:
        return np.empty(0, dtype=np.uint32)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = max(1, len(cps) - k + 1)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):  # wrapping uint64 arithmetic is the point
        for i in range(min(k, len(cps))):
            h = h * np.uint64(1_000_003) + cps[i : i + n]
        h ^= h >> np.uint64(32)
    return np.unique((h & np.uint64(0xFFFFFFFF)).astype(np.uint32))


def _identity(value: int) -> int:
    return int(value)


def signature(text: str) -> tuple[LeanMinHash, int]:
    """(MinHash of the normalised text's shingles, number of distinct shingles)."""
    hashes = shingle_hashes(normalise(text))
    m = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_identity, scheme=SCHEME)
    m.update_batch(hashes)
    return LeanMinHash(m), len(hashes)


def fingerprint_of(text: str) -> Fingerprint:
    """The text's signature as stored (`to_blob`) and its shingle count."""
    sig, shingles = signature(text)
    return Fingerprint(to_blob(sig), shingles)


def to_blob(sig: LeanMinHash) -> bytes:
    return np.asarray(sig.hashvalues, dtype=np.uint32).tobytes()


def from_blob(blob: bytes) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=np.frombuffer(blob, dtype=np.uint32),
                       scheme=SCHEME)


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets."""
    return signature(a)[0].jaccard(signature(b)[0])


def exact_similarity(a: str, b: str) -> float:
    """Exact Jaccard similarity of the shingle sets (tests and tuning)."""
    sa, sb = set(shingle_hashes(normalise(a)).tolist()), set(shingle_hashes(normalise(b)).tolist())
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0
