"""pipelines/malloctune.py: with the thresholds fixed, a large block freed no longer sends the
next large blocks to the heap (glibc's dynamic mmap threshold), where they fragment it; the
crawl process and every helper fix them."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
import sys

import pytest
from scrapy.utils.project import get_project_settings

from tests.paths import REPO

# In a fresh interpreter: "tuned", "default", or "helper" (the check run in a helper).
SCRIPT = """
import asyncio, sys
from pipelines import malloctune, procs
from tests.pipelines.test_malloctune import mapped_after_free
if sys.argv[1] == "tuned":
    assert malloctune.tune()
if sys.argv[1] == "helper":
    helper = procs.Helper("malloc-test", procs.ready, spawn=True)
    async def ask():
        return await helper.call(mapped_after_free)
    print(asyncio.run(ask()))
    helper.close()
else:
    print(mapped_after_free())
"""


class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def mapped_after_free() -> int:
    """A 4 MB block mapped and freed (glibc then raises its threshold to 4 MB), then a
    512 KiB one: whether that one got a mapping of its own."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.mallinfo2.restype = Info
    big = bytearray(4 << 20)
    del big
    before = libc.mallinfo2().hblks
    block = bytearray(512 << 10)  # noqa: F841 - held while counted
    return libc.mallinfo2().hblks - before


def glibc() -> bool:
    name = ctypes.util.find_library("c")
    return name is not None and hasattr(ctypes.CDLL(name), "mallinfo2")


def mapped_after_a_large_free(mode: str) -> int:
    # glibc's own tunables would fix the thresholds too: the comparison needs them unset.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(not glibc(), reason="glibc's mallopt and mallinfo2 are needed")
def test_large_blocks_keep_their_own_mappings_once_tuned() -> None:
    assert mapped_after_a_large_free("default") == 0  # glibc's dynamic threshold: the heap
    assert mapped_after_a_large_free("tuned") == 1
    assert mapped_after_a_large_free("helper") == 1


def test_the_crawl_runs_it() -> None:
    assert "crawler.malloctune.MallocTune" in get_project_settings().getdict("EXTENSIONS")
