"""Called in a helper process to see what it holds: a module of its own, importing nothing,
so that calling it adds nothing to what it reports."""

from __future__ import annotations

import sys


def held() -> list[str]:
    return sorted(sys.modules)
