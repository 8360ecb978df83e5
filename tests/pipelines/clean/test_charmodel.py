"""pipelines.clean.repair.charmodel.model(): derived from the table once, then loaded from a saved copy;
a damaged or unwritable copy never stops a repair."""

from __future__ import annotations

import marshal
import os
import time

import pytest

from pipelines.clean.repair import charmodel

TEXT = "政府工作报告关于二〇二三年国民经济和社会发展计划执行情况"


@pytest.fixture
def fresh():
    """model() as in a new process, and as it was again afterwards."""
    charmodel.model.cache_clear()
    yield
    charmodel.model.cache_clear()


@pytest.fixture
def cache_home(tmp_path, monkeypatch, fresh):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_saved_copy_is_the_model_the_table_gives(cache_home):
    folder = cache_home / "gzbg-archive"
    folder.mkdir(parents=True)
    stale = folder / "charmodel-0123456789abcdef"  # an older model's, unused for a month
    stale.write_bytes(b"old")
    month_ago = time.time() - 30 * 24 * 3600
    os.utime(stale, (month_ago, month_ago))
    other = folder / "charmodel-fedcba9876543210"  # another version's, in use
    other.write_bytes(b"other")
    built = charmodel.model()
    assert not stale.exists()
    assert other.read_bytes() == b"other"
    saved = charmodel._cache_file()
    assert saved.is_relative_to(cache_home) and saved.stat().st_size > 1_000_000
    charmodel.model.cache_clear()
    loaded = charmodel.model()
    assert loaded is not built
    assert loaded.state() == charmodel._built().state()
    assert loaded.prefix_scores(TEXT) == built.prefix_scores(TEXT)
    assert loaded.chars_for("zheng") == built.chars_for("zheng") != []


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", None])
def test_a_damaged_copy_is_rebuilt(cache_home, damage):
    charmodel.model()
    saved = charmodel._cache_file()
    if damage is None:  # cut short, as by a full disk
        saved.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    else:
        saved.write_bytes(damage)
    charmodel.model.cache_clear()
    assert charmodel.model().prefix_scores(TEXT) == charmodel._built().prefix_scores(TEXT)
    charmodel.model.cache_clear()
    charmodel.model()
    assert charmodel.CharModel.restored(marshal.loads(saved.read_bytes()))


def test_an_unwritable_cache_is_no_error(tmp_path, monkeypatch, fresh):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert charmodel.model().prefix_scores(TEXT)


def test_no_home_directory_is_no_error(monkeypatch, fresh):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(charmodel.Path, "home", classmethod(_no_home))
    assert charmodel.model().prefix_scores(TEXT)


def _no_home(cls):
    raise RuntimeError("Could not determine home directory.")


def test_a_saved_model_carries_the_character_tables(cache_home, monkeypatch):
    """A process loading a saved model builds no OpenCC converter for its character tables
    (the s2t one alone is 27 MB resident)."""
    built = charmodel.model()
    charmodel.model.cache_clear()

    def no_converter(config):
        raise AssertionError(f"OpenCC({config!r}) built")

    import opencc
    monkeypatch.setattr(opencc, "OpenCC", no_converter)
    assert charmodel.simp_table() == built.simp and charmodel.simp_table()["這"] == "这"
    assert charmodel.to_traditional("这") == "這"
    assert charmodel.wrong_script("这", hant=True) and not charmodel.wrong_script("这", hant=False)


def test_another_opencc_version_is_another_saved_model(cache_home, monkeypatch):
    path = charmodel._cache_file()
    monkeypatch.setattr(charmodel, "version", lambda name: "0.0.1")
    assert charmodel._cache_file() != path


WRONG = {  # a saved state with one table replaced: marshal reads it, but it is no model
    "simp": None, "trad": ["這"], "tokn": {"政府": 1}, "after": {}, "char_logp": None,
    "_edges": ({}, {}), "total": -1, "readings": {1: "zheng"},
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_a_well_formed_copy_of_the_wrong_shape_is_rebuilt(cache_home, name):
    built = charmodel.model()
    saved = charmodel._cache_file()
    state = marshal.loads(saved.read_bytes())
    with pytest.raises(ValueError):
        charmodel.CharModel.restored({**state, name: WRONG[name]})
    saved.write_bytes(marshal.dumps({**state, name: WRONG[name]}))
    charmodel.model.cache_clear()
    again = charmodel.model()
    assert again.state() == built.state()
    assert charmodel.CharModel.restored(marshal.loads(saved.read_bytes())).state() == built.state()


@pytest.mark.parametrize("saved", [False, True], ids=["built", "loaded"])
def test_equal_values_are_one_object(cache_home, saved):
    """The model's tables hold each distinct value once (about 9 MB of 46 otherwise), in a
    model derived from the table and in one loaded from its saved copy."""
    model = built = charmodel.model()
    if saved:
        charmodel.model.cache_clear()
        model = charmodel.model()
        assert model is not built
    for name in ("tokn", "tok1", "after", "_before", "readings"):
        values = list(getattr(model, name).values())
        assert len({id(v) for v in values}) == len(set(values)) < len(values) / 2, name
    first, last = model.edge_words()
    assert len({id(v) for v in first.values()}) == len(set(first.values()))
