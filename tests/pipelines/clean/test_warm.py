"""cleaner.warm() builds what the first page of a kind would otherwise build: in a fresh
process (a clean worker's), every table and pattern the spam stage builds once is built."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import REPO

_CHECK = """
import inspect
from pipelines.clean import cleaner, spamwords

cleaner.warm()
built = {name: fn.cache_info().currsize for name, fn in vars(spamwords).items()
         if hasattr(fn, "cache_info") and not inspect.signature(fn).parameters}
print(sorted(built.items()))
assert built and all(built.values()), built
"""


def test_warm_builds_the_spam_patterns_in_a_fresh_process() -> None:
    proc = subprocess.run([sys.executable, "-c", _CHECK], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "_patterns" in proc.stdout
