"""A revisit's payload comes from a response record only: an original that is a request,
another revisit or metadata (a hostile or mis-indexed archive) is unreadable, with where it
is, never an empty or foreign payload taken as the page."""

from __future__ import annotations

import pytest

from archive.pages import Unreadable, page_from_records, payload_source
from archive.reader import Entry, read_entries
from tests.shared import CORPUS

PYWB = CORPUS / "warc" / "pywb" / "sample_archive" / "warcs"
pytestmark = pytest.mark.skipif(not PYWB.exists(), reason="shared corpus not mounted")


def entries() -> list[Entry]:
    problems: list = []
    found = list(read_entries(PYWB / "example.warc.gz", problems))
    assert not problems
    return found


@pytest.mark.parametrize("kind", ["request", "revisit", "warcinfo"])
def test_an_original_that_is_no_response_is_unreadable(kind: str) -> None:
    records = entries()
    [revisit] = [e for e in records if e.record.rec_type == "revisit"]
    wrong = next(e for e in records if e.record.rec_type == kind)
    with pytest.raises(Unreadable) as exc:
        payload_source(revisit, PYWB, lambda *_: (wrong.file, wrong.offset), 0)
    assert exc.value.location == (wrong.file, wrong.offset)
    assert kind in str(exc.value)
    page = page_from_records(revisit, exc.value, {}, None, [], 0)
    assert page.body == b"" and page.error is not None
