"""`python -m pipelines.clean FILE`: one JSON object; PDF and DOCX read as in the crawl; exit 1
on a binary file, 2 on an unreadable one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.clean.__main__ import main
from tests.paths import PAGES, REPO

PAGES = PAGES
ROOT = REPO
ATTACHMENTS = ROOT / "fixtureweb/sites/www.beishan-fixture.gov.cn/zwgk/ghjh/zfgzbg"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipelines.clean", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)


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


@pytest.mark.parametrize("name, kind", [("202101/P0202101085160367.pdf", "pdf"),
                                        ("202001/P0202001107106442.docx", "docx")])
def test_pdf_and_docx_are_read_as_the_crawl_reads_them(name: str, kind: str) -> None:
    proc = run(str(ATTACHMENTS / name))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["encoding"] == kind and data["is_report"] is True
    assert "政府工作报告" in data["title"] + data["text"]
    assert "%PDF" not in data["text"] and "word/document.xml" not in data["text"]


def test_a_binary_file_is_refused(tmp_path: Path) -> None:
    blob = tmp_path / "photo.jpg"
    blob.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 64)
    proc = run(str(blob))
    assert proc.returncode == 1 and proc.stdout == ""
    assert "binary file" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_utf16_text_is_not_binary(tmp_path: Path) -> None:
    page = tmp_path / "u16.html"
    page.write_bytes("<html><title>通知</title><p>现在，我代表市人民政府向大会报告工作。</p>"
                     .encode("utf-16"))
    assert run(str(page)).returncode == 0


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_not_read_without_end(path: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main([path]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_a_fifo_is_refused_without_blocking(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)
    # Opening a FIFO for reading blocks until a writer comes: one is kept open meanwhile.
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    try:
        assert main([str(fifo)]) == 2
    finally:
        os.close(writer)
    assert "not a regular file" in capsys.readouterr().err


def test_a_file_over_the_crawls_size_limit_is_refused_unread(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sparse = tmp_path / "huge.html"
    with open(sparse, "wb") as fh:
        fh.truncate(3 * 1024**3)  # 3 GiB, sparse: no disk used
    assert main([str(sparse)]) == 2
    assert "larger than 64 MiB" in capsys.readouterr().err
