"""The fingerprint's cheaper steps give exactly what the library steps they replace give
(issue 20): unicodedata's NFKC, datasketch's MinHash, the former shingle hashing; and a
fingerprint served from the cache of recent texts equals a fresh one."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.store.copies import fingerprint as fp
from pipelines.store.copies.minhash import SCHEME, to_blob

# Text where NFKC has work to do: full-width forms, compatibility ideographs, circled and
# parenthesised numbers, combining marks (which compose), Hangul jamo, letters beyond the BMP.
TRICKY = st.text(alphabet=st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80),
    st.sampled_from("，。、；：“”（）《》！？０１２ＡＢｃ①⑩㈠㊀ｶﾞﾟ¼ﬁ™ſ︵﹏\u3000"),
    st.sampled_from("aeiouAEIOUnc\u0300\u0301\u0308\u0327\u0323\u031b\u0345\u3099\u309a"),
    st.sampled_from("\u1100\u1161\u11a8\uac00\uf900\ufa10\U0001d400\U0001d7ce\U0002f800"),
    st.characters(codec="utf-8"),
), max_size=80)


@settings(max_examples=400, deadline=None)
@given(text=TRICKY)
def test_nfkc_is_unicodedata_nfkc(text):
    assert fp._nfkc(text) == unicodedata.normalize("NFKC", text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_nfkc_is_unicodedata_nfkc_on_any_text(text):
    assert fp._nfkc(text) == unicodedata.normalize("NFKC", text)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.integers(0, 2**32 - 1), max_size=300, unique=True))
def test_minhash_values_are_datasketchs(values):
    hashes = np.array(sorted(values), dtype=np.uint32)
    reference = MinHash(num_perm=fp.NUM_PERM, seed=fp.SEED, hashfunc=int, scheme=SCHEME)
    reference.update_batch(hashes)
    assert fp._minhash(hashes).tolist() == reference.hashvalues.tolist()


def former_shingle_hashes(norm: str, k: int = fp.SHINGLE) -> np.ndarray:
    """The shingle hashing signatures were stored with before issue 20."""
    if not norm:
        return np.empty(0, dtype=np.uint32)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = max(1, len(cps) - k + 1)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(min(k, len(cps))):
            h = h * np.uint64(1_000_003) + cps[i : i + n]
        h ^= h >> np.uint64(32)
    return np.unique((h & np.uint64(0xFFFFFFFF)).astype(np.uint32))


@settings(max_examples=200, deadline=None)
@given(norm=st.text(max_size=60))
def test_shingle_hashes_are_the_former_ones(norm):
    assert fp.shingle_hashes(norm).tolist() == former_shingle_hashes(norm).tolist()


def test_a_cached_fingerprint_equals_a_fresh_one_and_the_cache_is_bounded(monkeypatch):
    texts = [f"第{i}号政府工作报告，全面推进乡村振兴（2023年）。" * 30 for i in range(40)]
    fresh = []
    for text in texts:
        sig, shingles = fp.signature(text)
        fresh.append((to_blob(sig), shingles))
    monkeypatch.setattr(fp, "_recent", type(fp._recent)())
    monkeypatch.setattr(fp, "CACHED_TEXTS", 16)
    for _ in range(2):  # the second round partly from the cache
        for text, expected in zip(texts + texts[-5:], fresh + fresh[-5:], strict=True):
            assert tuple(fp.fingerprint_of(text)) == expected
            assert len(fp._recent) <= 16


def test_fingerprints_of_copies_as_before():
    # A report, its traditional-script repost and its ×-template: the normalised texts and
    # their signatures as the library steps make them.
    original = "２０２３年，我市地区生产总值增长６．５％，完成固定资产投资１２３亿元。冰汤圆（bīng）主题景区开业。" * 20
    copies = [original, original.replace("增长", "增長").replace("资产", "資產"),
              original.replace("２０２３", "××××").replace("６．５", "×.×")]
    for text in copies:
        norm = fp.normalise(text)
        expected = fp._RUNS_RE.sub("#", re.sub(r"[^\w#]|_", "", fp._MASK_RE.sub("#", fp._T2S.convert(
            fp._PINYIN_RE.sub("", unicodedata.normalize("NFKC", text)))))).lower()
        assert norm == expected
        reference = MinHash(num_perm=fp.NUM_PERM, seed=fp.SEED, hashfunc=int, scheme=SCHEME)
        reference.update_batch(former_shingle_hashes(norm))
        assert fp.fingerprint_of(text).minhash == reference.hashvalues.astype(np.uint32).tobytes()
