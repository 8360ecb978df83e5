"""`scrapy merge` puts each worker's WARC files into the merged warc/ folder: hard links, and
across file systems copies, never symlinks a merged archive would lose with the worker."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.store.merge import link_warcs
from tests.faultcrawl import tmpfs


def worker_files(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True)
    files = {f"w-{i}.warc.gz": os.urandom(5000) for i in range(3)}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "w-3.warc.gz.open").write_bytes(b"still being written")
    return files


def test_same_file_system_hard_links(tmp_path: Path) -> None:
    files = worker_files(tmp_path / "worker" / "warc")
    assert link_warcs(tmp_path / "worker" / "warc", tmp_path / "merged" / "warc") == 3
    for name in files:
        merged = tmp_path / "merged" / "warc" / name
        assert merged.stat().st_ino == (tmp_path / "worker" / "warc" / name).stat().st_ino
    assert link_warcs(tmp_path / "worker" / "warc", tmp_path / "merged" / "warc") == 0


def test_another_file_system_copies_that_outlive_the_worker(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "workerdisk", "1m") as disk:
        files = worker_files(disk / "warc")
        assert link_warcs(disk / "warc", tmp_path / "merged" / "warc") == 3
    # The worker's disk is gone: the merged folder still holds every file, whole.
    merged = tmp_path / "merged" / "warc"
    assert sorted(p.name for p in merged.iterdir()) == sorted(files)
    for name, data in files.items():
        assert not (merged / name).is_symlink() and (merged / name).read_bytes() == data
