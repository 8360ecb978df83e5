"""pipelines/store/copies/minhash.py gives datasketch's values without importing it (and scipy):
the permutations, the Jaccard estimate and the LSH bands and rows, compared with the library's
own.  Signatures already stored and the pairs of copies that meet depend on them."""

import dataclasses
import pickle
import sqlite3
import subprocess
import sys

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH

from pipelines.store.copies import minhash
from tests.paths import REPO


@pytest.mark.parametrize("num_perm, seed", [(128, 1), (64, 7), (2, 0), (256, 12345)])
def test_permutations_are_datasketchs(num_perm, seed):
    expected = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    a, b = minhash.permutations(num_perm, seed)
    assert a.dtype == b.dtype == np.uint32
    assert a.tolist() == expected[0].tolist()
    assert b.tolist() == expected[1].tolist()


def test_jaccard_is_datasketchs():
    rng = np.random.default_rng(5)
    for _ in range(200):
        x = rng.integers(0, 4, minhash.NUM_PERM, dtype=np.uint32)
        y = rng.integers(0, 4, minhash.NUM_PERM, dtype=np.uint32)
        theirs = LeanMinHash(seed=minhash.SEED, hashvalues=x, scheme=minhash.SCHEME).jaccard(
            LeanMinHash(seed=minhash.SEED, hashvalues=y, scheme=minhash.SCHEME))
        sig = minhash.from_blob(minhash.to_blob(minhash.Signature(x)))
        assert sig.jaccard(minhash.Signature(y)) == theirs
    with pytest.raises(ValueError):
        minhash.Signature(x).jaccard(minhash.Signature(y[:-1]))


def _datasketch(threshold: float, num_perm: int) -> tuple[int, int] | str:
    try:
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    except ValueError:
        return "refused"
    return lsh.b, lsh.r


def _ours(threshold: float, num_perm: int) -> tuple[int, int] | str:
    try:
        return minhash.bands_and_rows(threshold, num_perm)
    except ValueError:
        return "refused"


@pytest.mark.parametrize("num_perm", [128, 100, 64, 16, 3, 2])
def test_bands_and_rows_are_datasketchs(num_perm):
    thresholds = [round(t, 3) for t in np.arange(0.0, 1.0001, 0.025)] + [-0.1, 1.1, 0.333]
    assert [_ours(t, num_perm) for t in thresholds] == \
        [_datasketch(t, num_perm) for t in thresholds]


def test_the_database_writer_clusters_without_numpy_or_scipy(tmp_path):
    """What the writer process imports and runs to cluster reports that come with their
    fingerprints (from the cleaning workers): no numpy (13 MB resident in the writer), no
    scipy, no datasketch (45 MB), no OpenCC; and the copies of a report still meet."""
    from pipelines.store.copies.fingerprint import fingerprint_of
    from tests.pipelines.store.test_cluster import COPIES, ORIGINAL_URL, OTHER_REPORTS, page

    pages = []
    for i, url in enumerate([ORIGINAL_URL, *COPIES, OTHER_REPORTS[0]]):
        p = page(url, i)
        pages.append(dataclasses.replace(p, fingerprint=fingerprint_of(p.cleaned.text)))
    # Last, a copy without its fingerprint: the writer computes it, numpy and all.
    pages.append(dataclasses.replace(pages[0], url=ORIGINAL_URL + "?print=1",
                                     fetches=page(ORIGINAL_URL, 99).fetches, fingerprint=None))
    (tmp_path / "pages.pickle").write_bytes(pickle.dumps(pages))
    script = f"""
import pickle, sys
from pathlib import Path
from pipelines.store import writer
writer._open(writer.Target(Path({str(tmp_path / 'r.db')!r}), None))
*pages, unprinted = pickle.loads(Path({str(tmp_path / 'pages.pickle')!r}).read_bytes())
for page in pages:
    assert writer.write_page(page).is_report
print(sorted(m for m in ("numpy", "scipy", "datasketch", "opencc") if m in sys.modules))
assert writer.write_page(unprinted).is_report
writer.close()
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"
    with sqlite3.connect(tmp_path / "r.db") as db:
        sizes = sorted(n for (n,) in db.execute("select n_copies from clusters"))
    assert sizes == [1, len(COPIES) + 2]
