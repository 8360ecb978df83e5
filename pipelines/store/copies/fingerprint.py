"""MinHash fingerprints of cleaned report texts, for near-duplicate detection.

A copy of a report differs from its original in ways that carry no content: traditional
script, pinyin glosses from a broken converter, full-width forms, numbers or names blanked to
×, spacing and punctuation.  `normalise` removes all of that; the fingerprint is a MinHash
(datasketch's "affine32" scheme, its values exactly: pipelines/store/copies/minhash.py) over the character k-shingles of what is
left.

Issue 20: on a 23,000-character report this took 18 ms, a third of a cleaning worker's time.
The same values now come from cheaper steps (`_nfkc`, `shingle_hashes`, `_minhash`; tests
compare them with the library's), and a text seen recently (a mirror's exact copy) is not
fingerprinted again.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import OrderedDict

import numpy as np
import opencc

from pipelines.page import Fingerprint
from pipelines.store.copies.minhash import (
    EMPTY,
    NUM_PERM,
    SEED,
    Signature,
    permutations,
)

SHINGLE = 5  # characters per shingle: Chinese words are 1-4 characters, so 5 spans a phrase
CACHED_TEXTS = 4096  # fingerprints of recent texts kept per process (about 3 MB)

_T2S = opencc.OpenCC("t2s")
_PINYIN_RE = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}[)）]")
# Digits and blanks (×, X, ○, ＊...) all become one mark, runs collapsed: a template copy
# whose numbers are blanked reads the same as its original.
_MASK_RE = re.compile(r"[0-9０-９×xX*＊○〇□]+(?:[.．%％][0-9×xX]*)*")
_KEEP_RE = re.compile(r"[\w#]+")  # all but punctuation, symbols and spaces (and "_" of \w)
_RUNS_RE = re.compile(r"#{2,}")
_A, _B = permutations(NUM_PERM, SEED)


def _compat_forms() -> dict[str, str]:
    """Each BMP character whose NFKC form differs from it, and that form."""
    table = {}
    for cp in range(0x10000):
        if not 0xD800 <= cp < 0xE000:  # surrogates are no characters
            char = chr(cp)
            if (form := unicodedata.normalize("NFKC", char)) != char:
                table[char] = form
    return table


_COMPAT = _compat_forms()
_COMPAT_RE = re.compile("[" + re.escape("".join(_COMPAT)) + "]")


def _nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), cheaper on report text.

    Normalising a whole report costs ~3 ms, although only its full-width punctuation changes.
    Replacing each character by its own NFKC form keeps the text's NFKC (a character and its
    form are compatibility-equivalent, and equivalence holds piecewise), so when the result
    is already normalised it is the answer; otherwise (combining marks, characters beyond
    the BMP) the library finishes the job.
    """
    text = _COMPAT_RE.sub(lambda m: _COMPAT[m.group()], text)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def normalise(text: str) -> str:
    """The text as compared: NFKC, simplified, no pinyin glosses, numbers and × masked to #,
    no whitespace or punctuation, lower case."""
    text = _T2S.convert(_PINYIN_RE.sub("", _nfkc(text)))
    text = "".join(_KEEP_RE.findall(_MASK_RE.sub("#", text))).replace("_", "")
    return _RUNS_RE.sub("#", text).lower()


def shingle_hashes(norm: str, k: int = SHINGLE) -> np.ndarray:
    """32-bit hashes of the distinct k-character shingles, sorted (a deterministic rolling
    hash in numpy: Python's own str hash differs per process, and signatures are stored)."""
    if not norm:
        return np.empty(0, dtype=np.uint32)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32)
    n = max(1, len(cps) - k + 1)
    h = cps[:n].astype(np.uint64)
    for i in range(1, min(k, len(cps))):  # wrapping uint64 arithmetic is the point
        h *= np.uint64(1_000_003)
        h += cps[i : i + n]
    h ^= h >> np.uint64(32)
    values = h.astype(np.uint32)  # the low 32 bits
    values.sort()
    distinct = np.empty(len(values), dtype=bool)
    distinct[0] = True
    np.not_equal(values[1:], values[:-1], out=distinct[1:])
    return values[distinct]


def _minhash(hashes: np.ndarray) -> np.ndarray:
    """The hash values datasketch's MinHash.update_batch gives these hashes (identity hash
    function, scheme affine32): per permutation the least of a * fmix32(h) + b, mod 2**32.
    One permutation at a time over the hashes, in place, rather than a matrix of them all."""
    out = np.full(NUM_PERM, EMPTY, dtype=np.uint32)
    if not len(hashes):
        return out
    h = hashes ^ (hashes >> np.uint32(16))  # the MurmurHash3 finaliser
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    permuted = np.empty_like(h)
    for k in range(NUM_PERM):
        np.multiply(h, _A[k], out=permuted)
        permuted += _B[k]
        out[k] = permuted.min()
    return out


def signature(text: str) -> tuple[Signature, int]:
    """(MinHash of the normalised text's shingles, number of distinct shingles)."""
    hashes = shingle_hashes(normalise(text))
    return Signature(_minhash(hashes)), len(hashes)


# Fingerprints of recent texts, by a digest of the text: copies of one report are often
# exact (mirrors), and a digest costs a hundredth of a fingerprint.
_recent: OrderedDict[bytes, Fingerprint] = OrderedDict()


def fingerprint_of(text: str) -> Fingerprint:
    """The text's signature as stored (`minhash.to_blob`) and its shingle count."""
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    found = _recent.get(key)
    if found is not None:
        _recent.move_to_end(key)
        return found
    hashes = shingle_hashes(normalise(text))
    found = Fingerprint(_minhash(hashes).tobytes(), len(hashes))
    _recent[key] = found
    if len(_recent) > CACHED_TEXTS:
        _recent.popitem(last=False)
    return found


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets."""
    return signature(a)[0].jaccard(signature(b)[0])


def exact_similarity(a: str, b: str) -> float:
    """Exact Jaccard similarity of the shingle sets (tests and tuning)."""
    sa, sb = set(shingle_hashes(normalise(a)).tolist()), set(shingle_hashes(normalise(b)).tolist())
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0
