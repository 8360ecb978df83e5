"""`python -m pipelines.clean FILE.html`: one JSON object, exit 2 on unreadable files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.clean import main

PAGES = Path(__file__).parent / "pages"
ROOT = Path(__file__).parent.parent


def test_prints_result_as_readable_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([str(PAGES / "report_gov.html"), "--url", "http://www.beizhen.gov.cn/a.html"])
    out = capsys.readouterr().out
    data = json.loads(out)
    assert code == 0
    assert data["is_report"] is True and data["source_site"] == "www.beizhen.gov.cn"
    assert "北镇市" in out  # ensure_ascii=False: Chinese stays readable
    assert out.startswith("{\n  ")  # indent 2
    assert set(data) >= {"title", "text", "removals", "errors", "encoding", "is_template"}


def test_charset_option_overrides_detection(capsys: pytest.CaptureFixture[str]) -> None:
    main([str(PAGES / "report_gbk.html"), "--charset", "gbk"])
    data = json.loads(capsys.readouterr().out)
    assert data["encoding"] == "gb18030" and "镕堃" in data["text"]


def test_missing_file_exits_2_with_message(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.clean", str(tmp_path / "nope.html")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert "cannot read" in proc.stderr and "nope.html" in proc.stderr
    assert proc.stdout == ""


def test_directory_is_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err
