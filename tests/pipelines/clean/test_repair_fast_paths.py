"""The text-repair stages' fast paths give what the paths they spare give, on real text.

Each test runs both on the same input (the shared seed reports, their traditional-script
copies, their slipped and spam-spliced lines) and would fail if the answers differed.
"""

from __future__ import annotations

import operator

import opencc
import pytest

from pipelines.clean import spamwords
from pipelines.clean.repair import charmodel, script
from tests.cleanmemos import memos
from tests.shared import SEEDS

needs_shared = pytest.mark.skipif(not SEEDS.exists(), reason="shared seeds not mounted")


def _seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


@needs_shared
def test_changed_counts_as_a_comparison_of_every_position() -> None:
    s2t, t2s = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
    pairs = []
    for text in _seed_texts():
        for served in (text, s2t.convert(text)):
            converted = t2s.convert(served)
            if len(converted) == len(served):
                pairs.append((served, converted))
    # Characters outside the basic plane, lone surrogates, empty and one-sided changes.
    pairs += [("", ""), ("a", "b"), ("\ud800x", "x\ud800"), ("發展\U00020000", "发展\U00020000"),
              ("\U00020000發", "a發"), ("ab", "ab")]
    assert any(a != b for a, b in pairs)
    for a, b in pairs:
        for k in range(0, len(a), 997):  # chunks cut anywhere, as the caller's loop cuts them
            x, y = a[k : k + 1024], b[k : k + 1024]
            assert script._changed(x, y) == sum(map(operator.ne, x, y))
        assert script._changed(list(a), list(b)) == sum(map(operator.ne, a, b))


@needs_shared
def test_script_vote_answers_as_computed_afresh() -> None:
    s2t = opencc.OpenCC("s2t")
    samples = [t[k : k + 4000] for t in _seed_texts() for k in (0, 5000)]
    samples += [s2t.convert(s) for s in samples]
    for sample in samples * 2:  # asked twice: the second answer comes from the cache
        not_trad, not_simp = charmodel._others()
        fresh = len(not_trad.sub("", sample)) > len(not_simp.sub("", sample))
        assert charmodel.is_hant(sample) == fresh
    assert any(map(charmodel.is_hant, samples)) and not all(map(charmodel.is_hant, samples))


@needs_shared
def test_memoised_spam_lines_equal_a_fresh_strip() -> None:
    strong, _ = spamwords.lexicon()
    lines = [line for text in _seed_texts() for line in text.split("\n")][:300]
    # Real lines with strong terms spliced in (chains, lone terms, bracketed brands).
    spliced = [f"{line[:20]}_{term}{line[20:]}" for line, term in zip(lines, strong * 50,
                                                                        strict=False)]
    spliced += [f"【{term}官网】{line}" for line, term in zip(lines[::7], strong, strict=False)]
    found_any = False
    for line in spliced * 2:  # the second time from the memo
        fresh: list = []
        want = spamwords._strip_chains(line, fresh)
        got: list = []
        assert spamwords._strip_line(line, got) == want
        assert got == fresh
        found_any = found_any or bool(got)
    assert found_any
    with memos(enabled=False):  # memos off (a test measuring the work): stripped afresh
        got = []
        assert spamwords._strip_line(spliced[0], got) == spamwords._strip_chains(spliced[0], [])


@needs_shared
def test_lost_characters_read_from_the_memo_as_afresh() -> None:
    from pipelines.clean.repair.lostchar import LOST_WITH_TAIL, restore_lost_chars

    s2t = opencc.OpenCC("s2t")
    texts = [t for text in _seed_texts() for t in (text, s2t.convert(text))]
    # Tails cut loose from their characters, as a converter leaves them, in real sentences.
    texts += [t.replace("发展", "?zhǎn)").replace("發展", "?zhǎn)") for t in texts]
    assert sum(len(LOST_WITH_TAIL.findall(t)) for t in texts) > 20
    with memos(enabled=False):
        fresh = [restore_lost_chars(t) for t in texts]
    with memos(enabled=True):
        for _ in range(2):  # the second pass from the memo
            assert [restore_lost_chars(t) for t in texts] == fresh
    assert any(removals for _, removals in fresh)


@needs_shared
def test_template_verdict_as_the_full_count_gives() -> None:
    from pipelines.clean import classify

    texts = []
    for text in _seed_texts():
        for every in (1, 2, 3, 5, 9, 40):  # digits blanked at many densities, around the bound
            digits = [i for i, c in enumerate(text) if c.isdigit()][::every]
            chars = list(text)
            for i in digits:
                chars[i] = "×"
            texts += ["".join(chars), "".join(chars)[: 400 * every]]
    verdicts = set()
    for text in texts:
        n = len(classify._PLACEHOLDER_RE.findall(text))
        full = (n >= classify.TEMPLATE_MIN_PLACEHOLDERS
                and n * 10000 / max(len(text), 1) >= classify.TEMPLATE_PER_10K)
        assert classify.is_template(text) == full
        verdicts.add(full)
    assert verdicts == {True, False}


@needs_shared
def test_page_pairs_as_the_simplified_page_has_them() -> None:
    from pipelines.clean.repair.charmodel import to_simplified
    from pipelines.clean.repair.charsearch import _FEW, PagePairs

    s2t = opencc.OpenCC("s2t")
    seed = next(t for t in _seed_texts() if "?" in t)  # the slipped report
    # Mixed scripts (several forms of one character), runs of a form (overlapping spots).
    text = seed[:6000] + "\n" + s2t.convert(seed[6000:12000]) + "\n發发髮,,,??" + "x"
    s = to_simplified(text)
    after: dict[str, set[str]] = {}
    before: dict[str, set[str]] = {}
    for a, b in zip(s, s[1:], strict=False):
        after.setdefault(a, set()).add(b)
        before.setdefault(b, set()).add(a)
    page = PagePairs(text)
    among = frozenset(s) | {"\n"}
    counts = [text.count(c) for c in set(s)]
    assert max(counts) > _FEW and min(counts) < _FEW  # both ways of finding them run
    for ch in set(s) - {"\n"}:
        assert page.after(ch, among) == after.get(ch, set()) - {"\n"}, ch
        assert page.before(ch, among) == before.get(ch, set()) - {"\n"}, ch
    assert page.after("龘", among) == frozenset()


def test_leads_read_as_every_lead_decoded() -> None:
    from pipelines.clean.repair import byteslip
    from pipelines.clean.repair.charmodel import model

    m = model()
    syllables = sorted(m.syllables())[::37] + ["nei", "jie", "chuang", "zzz"]
    found = 0
    for byte in (0x83, 0xB9, 0xC4, 0xD5, 0xE6, 0x41):
        for syllable in syllables:
            slow = [x for x in byteslip._LEADS if (c := byteslip._dec(bytes([byte, x])))
                    and m.reads(c, syllable)]
            for _ in range(2):  # the second answer from the cache
                assert list(byteslip._leads_read(byte, syllable)) == slow
            found += bool(slow)
    assert found


@needs_shared
def test_repair_hands_on_lines_that_split_its_text() -> None:
    from pipelines.clean import cleaner
    from pipelines.clean.repair import chain

    s2t = opencc.OpenCC("s2t")
    texts = [t for text in _seed_texts() for t in (text, s2t.convert(text))]
    # Slipped and lost characters (the lines are made again), a line with a few
    # traditional characters (stays hans), spam that the next stage cuts, one line.
    texts += [t.replace("发展", "?zhǎn)") for t in texts[:2]]
    texts += [texts[0] + "\n國務院發展", "标题_365bet体育投注\n" + texts[0], "一行", ""]
    with memos(enabled=False):
        fresh = [chain.repair(t) for t in texts]
        stages = [cleaner._text_stage((t, ())) for t in texts]
    with memos(enabled=True):
        for _ in range(2):  # the second pass from the memos
            for text, want, stage in zip(texts, fresh, stages, strict=True):
                repaired, script_, removals, lines = chain.repair_lines(text)
                assert (repaired, script_, removals) == want
                assert lines is None or lines == repaired.split("\n")
                assert cleaner._text_stage((text, ())) == stage
    assert {script_ for _, script_, _ in fresh} == {"hans", "hant"}
