"""`scrapy extract` onto a full disk: exit code 1, the write that failed named last, no
success line, no helper process left running."""

from __future__ import annotations

import random
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from fixtureweb.crawl import REPO, SCRAPY
from tests.faultcrawl import tmpfs


def archive(warc_dir: Path, pages: int, files: int = 1) -> None:
    """Report-like pages, far more text than the tiny filesystem holds once cleaned, in
    `files` files (responses without request records are read at the end of their file)."""
    rng = random.Random(5)
    warc_dir.mkdir(parents=True)
    for f in range(files):
        with open(warc_dir / f"a-{f + 1:05d}.warc.gz", "wb") as fh:
            writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
            for i in range(f * pages // files, (f + 1) * pages // files):
                text = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(3000))
                body = f"<html><title>政府工作报告{i}</title><body><p>{text}。</p></body></html>"
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                        protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(
                    f"http://www.example.gov.cn/{i}.html", "response",
                    payload=BytesIO(body.encode()), http_headers=http))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_full_disk_fails_extract_with_the_reason(tmp_path: Path, workers: str) -> None:
    archive(tmp_path / "data" / "warc", 300)
    with tmpfs(tmp_path / "small", "1500k") as small:
        proc = subprocess.Popen(
            [SCRAPY, "extract", "-s", f"DATA_DIR={tmp_path / 'data'}",
             "-s", f"SQLITE_PATH={small / 'reports.db'}", "--workers", workers],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        _, stderr = proc.communicate(timeout=300)
        # Every helper went with it (the group has no process left but zombies).
        group = subprocess.run(["ps", "-o", "stat=", "-g", str(proc.pid)],
                               capture_output=True, text=True).stdout.split()
    assert proc.returncode == 1, stderr[-3000:]
    assert "rebuilt " not in stderr  # nothing reported as done
    last = stderr.strip().splitlines()[-1]
    assert "failed: database or disk is full" in last, stderr[-3000:]
    assert all(stat.startswith("Z") for stat in group), group
