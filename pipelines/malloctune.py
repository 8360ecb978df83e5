"""Fixed glibc malloc thresholds, so a process keeps less freed memory (glibc's mallopt):
the crawl process (crawler/malloctune.py) and every helper (pipelines.procs) set them.

glibc raises its mmap threshold each time it frees a block it had mapped, up to 32 MB: after
the first large body, the bodies, their decoded texts and the pickled calls to the helpers
all come from the heap, where each freed one leaves a hole between longer-lived objects and
the heap's top is rarely free to give back.  Fixed thresholds keep blocks of 128 KiB and more
in mappings of their own, unmapped as soon as they are freed, and trim the heap once 128 KiB
at its top are free.  On the report-heavy bench site (1,000 pages, large bodies) the crawl
process peaked at 122 MB against 141 (means of three runs), on the mixed one (5,000 pages,
small bodies) as before; its CPU time within run-to-run noise.  Without glibc (musl, macOS)
it stays off.
"""

from __future__ import annotations

import ctypes

# mallopt parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
THRESHOLD = 128 * 1024  # glibc's own starting value for both


def mallopt() -> ctypes._CFuncPtr | None:
    """glibc's mallopt, or None where the C library has none."""
    try:
        # The symbols this process has loaded, the C library's among them: no search for
        # the library's file (ctypes.util runs ldconfig for that, in every helper).
        return getattr(ctypes.CDLL(None), "mallopt", None)
    except OSError:
        return None


def tune() -> bool:
    """Fix both thresholds for this process; whether the C library took them."""
    set_option = mallopt()
    if set_option is None:
        return False
    return all(set_option(option, THRESHOLD) == 1 for option in (M_MMAP_THRESHOLD,
                                                                  M_TRIM_THRESHOLD))
