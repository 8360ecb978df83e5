"""Export a crawl database's reports (or clusters) as JSON Lines, CSV or Parquet.

Rows stream from SQLite in batches, so an export of a national crawl does not hold the
table in memory.  The file is written beside its target and renamed when complete: an
interrupted export never leaves a half file under the name asked for.

A CSV for Excel (``--bom``) neutralises formulas: a text cell starting with = + - @, a tab or
a carriage return, which Excel would run as a formula (CSV injection; the texts come from
hacked pages), starts with a ' there, as OWASP advises.  Plain CSV keeps every cell as stored.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.store.db import connect_readonly

FORMATS = ("jsonl", "csv", "parquet")
# What a researcher exports: the report and its metadata, not crawl bookkeeping.  Columns
# are taken in the table's order, less these.
TABLES = {
    "reports": {"minhash"},
    "clusters": set(),
}
BATCH = 500
# What makes Excel read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportError(Exception):
    """A problem with the arguments or the database, said in one line."""


def columns(con: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """(name, declared type) of the table's exported columns."""
    info = con.execute(f"pragma table_info([{table}])").fetchall()
    if not info:
        raise ExportError(f"the database has no {table} table: was it written by a crawl?")
    return [(row[1], (row[2] or "").lower()) for row in info if row[1] not in TABLES[table]]


def rows(con: sqlite3.Connection, table: str, names: list[str]) -> Iterator[list[tuple]]:
    cur = con.execute(f"select {', '.join(f'[{n}]' for n in names)} from [{table}] order by id")
    while batch := cur.fetchmany(BATCH):
        yield batch


def _jsonl(out: IO[str], names: list[str], batches: Iterator[list[tuple]]) -> int:
    n = 0
    for batch in batches:
        for row in batch:
            out.write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False))
            out.write("\n")
        n += len(batch)
    return n


def excel_safe(value: Any) -> Any:
    """value, with a ' before a text Excel would take for a formula; numbers as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv(out: IO[str], names: list[str], batches: Iterator[list[tuple]],
         excel: bool = False) -> int:
    writer = csv.writer(out)
    writer.writerow(names)
    n = 0
    for batch in batches:
        writer.writerows([[excel_safe(v) for v in row] for row in batch] if excel else batch)
        n += len(batch)
    return n


def _arrow_type(declared: str) -> Any:
    if "int" in declared:
        return pa.int64()
    if any(t in declared for t in ("float", "real", "double")):
        return pa.float64()
    if "blob" in declared:
        return pa.binary()
    return pa.string()


def _parquet(path: Path, cols: list[tuple[str, str]], batches: Iterator[list[tuple]]) -> int:
    schema = pa.schema([(name, _arrow_type(declared)) for name, declared in cols])
    n = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in batches:
            data = [list(col) for col in zip(*batch, strict=True)]
            writer.write_table(pa.Table.from_arrays(data, schema=schema))
            n += len(batch)
    return n


@contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside target, renamed to it only when the block completes."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def export(db_path: Path, fmt: str, output: Path | None, table: str = "reports",
           bom: bool = False) -> int:
    """Write table as fmt to output (None: standard output); returns the rows written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if table not in TABLES:
        raise ExportError(f"unknown table {table!r}: choose one of {', '.join(TABLES)}")
    if bom and fmt != "csv":
        raise ExportError("--bom applies to csv only")
    if output is None and fmt == "parquet":
        raise ExportError("parquet is binary: give a file with -o")
    if not db_path.is_file():
        raise ExportError(f"no database at {db_path}: run a crawl with this DATA_DIR first")
    if output is not None:
        if not output.parent.is_dir():
            raise ExportError(f"no folder {output.parent} for {output}")
        # The file is written beside its target and renamed over it: a device, a folder or
        # a link there would be replaced, not written to.
        if output.is_symlink() or (output.exists() and not output.is_file()):
            raise ExportError(f"{output} exists and is not a regular file")
    try:
        con = connect_readonly(db_path)
    except sqlite3.Error as exc:
        raise ExportError(f"{db_path}: {exc}") from exc
    try:
        cols = columns(con, table)
        names = [name for name, _ in cols]
        batches = rows(con, table, names)
        if output is None:
            if fmt == "jsonl":
                return _jsonl(sys.stdout, names, batches)
            if bom:  # what utf-8-sig writes to a file below
                sys.stdout.write("\ufeff")
            return _csv(sys.stdout, names, batches, excel=bom)
        with _replacing(output) as tmp:
            if fmt == "parquet":
                return _parquet(tmp, cols, batches)
            # utf-8-sig: Excel on Chinese Windows reads a CSV without a BOM as GBK.
            encoding = "utf-8-sig" if bom else "utf-8"
            with open(tmp, "w", encoding=encoding, newline="") as out:
                if fmt == "jsonl":
                    return _jsonl(out, names, batches)
                return _csv(out, names, batches, excel=bom)
    except sqlite3.Error as exc:
        raise ExportError(f"{db_path}: {exc}") from exc
    finally:
        con.close()
