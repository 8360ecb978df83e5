"""MinHash signatures as stored, compared and banded: datasketch's values, without datasketch.

datasketch imports scipy.integrate (and with it scipy's sparse and linear-algebra libraries)
for one computation, the LSH bands and rows: about 45 MB resident in every process that
imports it, the database writer and every cleaning worker among them, for values this module
computes itself.  Only `permutations`, for computing signatures (fingerprint.py, in the
cleaning workers), needs numpy: comparing and banding stored ones (the database writer)
does without it.  tests/pipelines/store/test_minhash.py compares each with datasketch's.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

NUM_PERM = 128
SEED = 1
# datasketch's "affine32" scheme: h -> a * h + b mod 2**32, a odd (uint32 values: 4 bytes per
# permutation in the database).
SCHEME = "affine32"
EMPTY = 0xFFFFFFFF  # a permutation's value before any shingle
MIN_SHINGLES = 20  # fewer than this: too short to compare, never merged with anything
# Unsigned 32-bit values, as the blobs hold them ("I" is 4 bytes wherever CPython runs).
_UINT32 = "I"


def permutations(num_perm: int = NUM_PERM, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of datasketch's MinHash(num_perm, seed, scheme="affine32"): drawn from the
    same generator in the same order, so stored signatures stay comparable.  Only computing
    a fingerprint needs them, and numpy: the database writer compares stored signatures
    without it (about 13 MB resident less there)."""
    import numpy as np

    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


class Signature:
    """A text's MinHash values (what datasketch's LeanMinHash holds, for what we ask of it),
    as an array of unsigned 32-bit integers."""

    __slots__ = ("hashvalues",)

    def __init__(self, hashvalues: Iterable[int]):
        self.hashvalues = array(_UINT32, hashvalues)

    def jaccard(self, other: Signature) -> float:
        """Estimated Jaccard similarity: the share of permutations whose least values agree."""
        n = len(self.hashvalues)
        if n != len(other.hashvalues):
            raise ValueError("signatures of different numbers of permutations")
        return (n - _lanes_differing(self.hashvalues.tobytes(), other.hashvalues.tobytes())) / n


@cache
def _lane_masks(n: int) -> tuple[int, ...]:
    """For n 32-bit lanes as one integer: the low 16, 8, 4, 2 and 1 bits of every lane."""
    return tuple(int.from_bytes(((1 << bits) - 1).to_bytes(4, "little") * n, "little")
                 for bits in (16, 8, 4, 2, 1))


def _lanes_differing(a: bytes, b: bytes) -> int:
    """How many of the 32-bit lanes of a and b differ: their XOR as one integer, each lane
    folded onto its lowest bit (masked, so no lane takes bits from the next), then counted.
    Some ten big-integer operations instead of a Python-level loop over the values: about
    as fast as numpy, which the database writer then does without."""
    x = int.from_bytes(a, "little") ^ int.from_bytes(b, "little")
    shift = 16
    for mask in _lane_masks(len(a) // 4):
        x = (x | (x >> shift)) & mask
        shift //= 2
    return x.bit_count()


def to_blob(sig: Signature) -> bytes:
    return sig.hashvalues.tobytes()


def from_blob(blob: bytes) -> Signature:
    sig = Signature(())
    sig.hashvalues.frombytes(blob)
    return sig


def _gauss_legendre(n: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Gauss-Legendre nodes and weights on [-1, 1] (what numpy's leggauss gives): each node
    a root of the Legendre polynomial P_n, by Newton's method from the usual estimate."""
    nodes, weights = [], []
    for i in range(1, n + 1):
        x = math.cos(math.pi * (i - 0.25) / (n + 0.5))
        for _ in range(100):
            p0, p1 = 1.0, x  # P_0(x), P_1(x), then up to P_{n-1}(x), P_n(x)
            for k in range(2, n + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            slope = n * (x * p1 - p0) / (x * x - 1)  # P_n'(x)
            step = p1 / slope
            x -= step
            if abs(step) < 1e-16:
                break
        nodes.append(x)
        weights.append(2 / ((1 - x * x) * slope * slope))
    return tuple(nodes), tuple(weights)


# Gauss-Legendre nodes on [-1, 1] exact for polynomials up to degree 2 * 65 - 1: the
# probabilities integrated below are polynomials of degree bands * rows <= NUM_PERM.
_NODES, _WEIGHTS = _gauss_legendre(65)


def _points(lo: float, hi: float) -> list[tuple[float, float]]:
    """The nodes on [lo, hi] and their weights (scaled to it)."""
    half, mid = (hi - lo) / 2, (hi + lo) / 2
    return [(half * x + mid, half * w) for x, w in zip(_NODES, _WEIGHTS, strict=True)]


@cache
def bands_and_rows(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """The bands and rows datasketch's MinHashLSH(threshold, num_perm) picks: those minimising
    the chance of a false positive plus that of a false negative, weighed equally (and
    refuses what it refuses)."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError("threshold must be in [0.0, 1.0]")
    if not 2 <= num_perm <= 2 * len(_NODES) - 1:
        raise ValueError(f"clusters: {num_perm} permutations is not supported")
    # The integrals over similarities s of the chance that two sets share a band (below the
    # threshold: a false positive) or share none (above it: a false negative).
    below, above = _points(0.0, threshold), _points(threshold, 1.0)
    best, error = (0, 0), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            e = (0.5 * sum(w * (1 - (1 - s**rows) ** bands) for s, w in below)
                 + 0.5 * sum(w * (1 - s**rows) ** bands for s, w in above))
            if e < error:
                best, error = (bands, rows), e
    if best[0] < 2:
        raise ValueError("The number of bands are too small (b < 2)")
    return best
