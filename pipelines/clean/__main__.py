"""`python -m pipelines.clean FILE`: clean one saved file as the crawl would, print JSON.

A saved page, or a PDF or DOCX report (recognised by its bytes, as in the crawl: through
pipelines.clean.attachments).  Any other binary file is refused: decoded as text it would only
give a page of mojibake.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from pathlib import Path

from pipelines.clean.attachments import clean_attachment
from pipelines.clean.cleaner import clean
from pipelines.clean.result import CleanResult

# Bytes no text page holds (NUL and the C0 controls other than tab, newlines, form feed and
# escape); a share of them in the first block is a binary file.
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\x0c\x1b")
_PROBE = 8192
MAX_FILE = 64 * 1024 * 1024  # the crawl's DOWNLOAD_MAXSIZE: read no more (a sparse file)


class NotAPage(ValueError):
    """A file that is neither a page nor an attachment the cleaner reads."""


def looks_binary(body: bytes) -> bool:
    head = body[:_PROBE]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text: NULs are its own
        return False
    return b"\x00" in head or len(head) - len(head.translate(None, _CONTROL)) > len(head) // 20


def clean_file(body: bytes, url: str, charset: str | None = None) -> CleanResult:
    result = clean_attachment(body, url)
    if result is not None:
        return result
    if looks_binary(body):
        raise NotAPage("a binary file, not a page, PDF or DOCX")
    return clean(body, url, charset=charset)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipelines.clean",
                                 description="Clean one saved page (HTML or text), PDF or DOCX "
                                             "and print the result as JSON.")
    ap.add_argument("file", help="saved HTML or text page, PDF or DOCX")
    ap.add_argument("--url", default="", help="URL the page was fetched from")
    ap.add_argument("--charset", default=None, help="decode with this charset, skip detection")
    args = ap.parse_args(argv)
    try:
        with open(args.file, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                # A FIFO would block, /dev/zero never end.
                print(f"error: {args.file} is not a regular file", file=sys.stderr)
                return 2
            body = fh.read(MAX_FILE + 1)
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if len(body) > MAX_FILE:
        print(f"error: {args.file} is larger than {MAX_FILE >> 20} MiB, the crawl's "
              "DOWNLOAD_MAXSIZE: a crawl would not have kept it", file=sys.stderr)
        return 2
    try:
        result = clean_file(body, args.url or Path(args.file).resolve().as_uri(), args.charset)
    except NotAPage as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    # An attachment whose text could not be had (an old .doc, a damaged PDF) says why.
    return 1 if result.errors and not result.text else 0


if __name__ == "__main__":
    sys.exit(main())
