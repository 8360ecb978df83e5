"""MinHash signatures as stored, compared and banded: datasketch's values, without datasketch.

datasketch imports scipy.integrate (and with it scipy's sparse and linear-algebra libraries)
for one computation, the LSH bands and rows: about 45 MB resident in every process that
imports it, the database writer and every cleaning worker among them, for values this module
gets from numpy alone.  tests/pipelines/store/test_minhash.py compares each with datasketch's.
"""

from __future__ import annotations

import numpy as np

NUM_PERM = 128
SEED = 1
# datasketch's "affine32" scheme: h -> a * h + b mod 2**32, a odd (uint32 values: 4 bytes per
# permutation in the database).
SCHEME = "affine32"
EMPTY = np.uint32(0xFFFFFFFF)  # a permutation's value before any shingle
MIN_SHINGLES = 20  # fewer than this: too short to compare, never merged with anything


def permutations(num_perm: int = NUM_PERM, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of datasketch's MinHash(num_perm, seed, scheme="affine32"): drawn from the
    same generator in the same order, so stored signatures stay comparable."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


class Signature:
    """A text's MinHash values (what datasketch's LeanMinHash holds, for what we ask of it)."""

    __slots__ = ("hashvalues",)

    def __init__(self, hashvalues: np.ndarray):
        self.hashvalues = hashvalues

    def jaccard(self, other: Signature) -> float:
        """Estimated Jaccard similarity: the share of permutations whose least values agree."""
        if len(self.hashvalues) != len(other.hashvalues):
            raise ValueError("signatures of different numbers of permutations")
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self.hashvalues)


def to_blob(sig: Signature) -> bytes:
    return np.asarray(sig.hashvalues, dtype=np.uint32).tobytes()


def from_blob(blob: bytes) -> Signature:
    return Signature(np.frombuffer(blob, dtype=np.uint32))


# Gauss-Legendre nodes on [-1, 1] exact for polynomials up to degree 2 * 65 - 1: the
# probabilities integrated below are polynomials of degree bands * rows <= NUM_PERM.
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(65)


def _integral(bands: int, rows: int, lo: float, hi: float, collide: bool) -> float:
    """The integral over [lo, hi] of the probability that two sets of similarity s share a
    band (collide) or share none (not collide)."""
    s = (hi - lo) / 2 * _NODES + (hi + lo) / 2
    p = 1 - (1 - s ** float(rows)) ** float(bands)
    return float((hi - lo) / 2 * np.dot(_WEIGHTS, p if collide else 1 - p))


def bands_and_rows(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """The bands and rows datasketch's MinHashLSH(threshold, num_perm) picks: those minimising
    the chance of a false positive plus that of a false negative, weighed equally (and
    refuses what it refuses)."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError("threshold must be in [0.0, 1.0]")
    if not 2 <= num_perm <= 2 * len(_NODES) - 1:
        raise ValueError(f"clusters: {num_perm} permutations is not supported")
    best, error = (0, 0), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            e = (0.5 * _integral(bands, rows, 0.0, threshold, True)
                 + 0.5 * _integral(bands, rows, threshold, 1.0, False))
            if e < error:
                best, error = (bands, rows), e
    if best[0] < 2:
        raise ValueError("The number of bands are too small (b < 2)")
    return best
