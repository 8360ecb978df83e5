"""Huge pages are cleaned up to a bound and the truncation is recorded, never silently."""

from __future__ import annotations

from pipelines.clean import cleaner as clean_module


def test_oversized_body_is_truncated_and_recorded(monkeypatch):
    monkeypatch.setattr(clean_module, "MAX_CLEAN_BYTES", 4000)
    para = "<p>" + "各位代表，现在我代表市人民政府向大会报告工作。" * 4 + "</p>"
    body = ("<html><body>" + para * 200 + "</body></html>").encode("utf-8")
    assert len(body) > 4000
    result = clean_module.clean(body, "http://www.example.gov.cn/a.html", {})
    assert any("truncated to 4000" in e for e in result.errors)
    assert "各位代表" in result.text
    assert len(result.text.encode("utf-8")) < 4000


def test_normal_body_is_not_truncated():
    body = "<html><body><p>各位代表：现在我代表市人民政府向大会报告工作。</p></body></html>"
    result = clean_module.clean(body.encode("utf-8"), "http://www.example.gov.cn/a.html", {})
    assert not result.errors
