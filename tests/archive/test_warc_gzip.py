"""WARC members deflated by ISA-L at every level WARC_GZIP_LEVEL allows stay valid WARC and
gzip, with the same records and digests; a level outside them stops the writer at its start.
The cleaner's account drawn up without asdict's copies is the one drawn up with them."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from archive.account import cleaner_account
from archive.archiver import Archiver
from archive.service import WarcService
from archive.warcfile import GZIP_LEVELS, RotatingWarcWriter
from pipelines.clean.cleaner import clean
from pipelines.clean.result import CleanResult, Removal
from pipelines.procs import HelperDied
from pipelines.store.db import MAX_REMOVAL_ROWS, removal_rows
from tests.archive.test_warc_writer import DATE, URL, exchange, read_records, sha1
from tests.paths import PAGES

WARCIO = str(Path(sys.executable).with_name("warcio"))
# Compressible, as report pages are, and long enough for the levels to differ.
BODY = "".join(f"<p>第{i}条 政府工作报告：坚持稳中求进，推动高质量发展。</p>\n"
               for i in range(2000)).encode()


def write(directory: Path, level: int) -> Path:
    archiver = Archiver(RotatingWarcWriter(directory, "t", 10**9, {"software": "test"}, level),
                        None)
    fetch = archiver.write_exchange(exchange(BODY))
    account = {"removals": [{"kind": "chrome", "text": "首页 > 工作报告"}]}
    archiver.write_conversion(URL, "政府工作报告全文。", account, fetch["warc_record_id"], DATE)
    archiver.close()
    [path] = directory.glob("*.warc.gz")
    return path


@pytest.mark.parametrize("level", list(GZIP_LEVELS))
def test_every_level_writes_valid_warc_and_gzip_with_the_same_records(tmp_path, level):
    path = write(tmp_path, level)
    assert subprocess.run(["gzip", "-t", str(path)]).returncode == 0
    check = subprocess.run([WARCIO, "check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    records = {rec.rec_type: (rec, payload) for rec, payload in read_records(path)}
    response, _ = records["response"]
    assert response.rec_headers.get_header("WARC-Payload-Digest") == sha1(BODY)
    assert records["conversion"][1] == "政府工作报告全文。".encode()
    metadata = json.loads(records["metadata"][1])
    assert metadata["removals"] == [{"kind": "chrome", "text": "首页 > 工作报告"}]
    assert metadata["url"] == URL


def test_the_level_is_applied(tmp_path):
    fastest = write(tmp_path / "lo", GZIP_LEVELS[0]).stat().st_size
    smallest = write(tmp_path / "hi", GZIP_LEVELS[-1]).stat().st_size
    assert smallest < fastest


def test_a_level_outside_isals_range_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="WARC_GZIP_LEVEL"):
        RotatingWarcWriter(tmp_path, "t", 10**9, {}, GZIP_LEVELS[-1] + 1)


def crawler_with_level(tmp_path: Path, level: object) -> Crawler:
    settings = {k: v for k, v in get_project_settings().items() if k.startswith("WARC_")}
    settings.update({"DATA_DIR": str(tmp_path), "WARC_GZIP_LEVEL": level})
    crawler = get_crawler(settings_dict=settings)
    crawler._apply_settings()
    return crawler


def test_the_setting_reaches_the_writer_process(tmp_path):
    with pytest.raises(HelperDied, match="WARC_GZIP_LEVEL"):
        WarcService.of(crawler_with_level(tmp_path, 9))


@pytest.mark.parametrize("level", ["abc", "2.5", ""])
def test_a_level_that_is_no_integer_is_named_in_the_error(tmp_path, level):
    with pytest.raises(ValueError, match=f"WARC_GZIP_LEVEL: an integer, got {level!r}"):
        WarcService.of(crawler_with_level(tmp_path, level))


def account_by_asdict(result: CleanResult) -> dict[str, object]:
    """The account as drawn up before: the whole result through asdict."""
    info = result.to_dict()
    info.pop("text")
    info["removals"] = [{"kind": r["kind"], "text": r["text"]} for r in removal_rows(result)]
    return {"cleaner": "pipelines.clean", **info}


def cleaned_pages() -> list[CleanResult]:
    results = [clean(path.read_bytes(), f"http://www.example.gov.cn/{path.name}", {})
               for path in sorted(PAGES.glob("*.html"))]
    many = [Removal("chrome" if i % 3 else "spam_word", f"第{i}项") for i in
            range(MAX_REMOVAL_ROWS + 40)]
    results.append(CleanResult(is_report=True, text="报告", removals=many,
                               part_urls=["http://a/1", "http://a/2"], errors=["x"]))
    return results


def test_the_account_is_the_one_asdict_drew_up() -> None:
    results = cleaned_pages()
    assert any(r.removals for r in results[:-1])  # real pages with removals among them
    for result in results:
        before = dataclasses.replace(result)
        assert cleaner_account(result) == account_by_asdict(result)
        assert json.dumps(cleaner_account(result), ensure_ascii=False) == \
            json.dumps(account_by_asdict(result), ensure_ascii=False)
        assert result == before  # the result itself is left as it was
