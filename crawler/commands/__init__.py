"""The project's `scrapy` commands; what they share: the one-line error, and the checks of
settings, folders, databases and ports that turn a bad argument into one instead of a
traceback."""

from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy.settings import BaseSettings

# Every command reads and writes the crawl's files through these settings.
SETTINGS_HELP = ("Reads the crawl of -s DATA_DIR=DIR (default: data): DIR/warc/*.warc.gz and "
                 "DIR/reports.db, or -s SQLITE_PATH=FILE when the crawl used one.")

PORTS = range(1, 65536)


def fail(command: ScrapyCommand, name: str, message: str) -> None:
    """A bad argument or a missing input: one line on stderr and exit code 2, as argparse
    does, without Scrapy's usage text or a traceback."""
    print(f"scrapy {name}: error: {message}", file=sys.stderr)
    command.exitcode = 2


def quiet_stdout() -> None:
    """After a BrokenPipeError (`| head`): Python flushes stdout at exit, which would raise
    again, so it is pointed at nothing."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class SettingsChecked:
    """Mixin of a command (before ScrapyCommand in its bases): a setting whose value its
    getter cannot read is one line and exit code 2 before the command runs, not a traceback
    wherever the setting is first read."""

    settings: BaseSettings | None

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)  # type: ignore[misc]
        # argparse names the program in its error line ("scrapy: error: ..."): name the
        # command too, as fail() and the settings check below do.
        parser.prog = f"scrapy {self.command_name()}"

    @classmethod
    def command_name(cls) -> str:
        return cls.__module__.rpartition(".")[2]  # Scrapy names a command after its module

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # ScrapyCommand's: applies -s
        assert self.settings is not None
        if why := setting_problem(self.settings):
            print(f"scrapy {self.command_name()}: error: {why}", file=sys.stderr)
            sys.exit(2)


def port_number(text: str) -> int:
    """argparse type of a loopback port to listen on (0, "any free port", would leave the
    printed address wrong)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if number not in PORTS:
        raise argparse.ArgumentTypeError(f"port {number} is not in 1..65535")
    return number


# The settings with an int default that the code reads with getfloat (seconds): any number.
# tests/crawler/test_bad_settings.py checks this against every getfloat("NAME") in Scrapy
# and in the project.
READ_AS_FLOAT = frozenset({"DNS_TIMEOUT", "DOWNLOAD_DELAY", "DOWNLOAD_TIMEOUT"})


def _typed_defaults() -> dict[str, bool | int | float]:
    """Each setting whose default is a bool, int or float (Scrapy's, then the project's
    settings module, which wins), with that default."""
    from scrapy.settings import default_settings

    modules = [default_settings]
    if project := os.environ.get("SCRAPY_SETTINGS_MODULE"):  # set by Scrapy from scrapy.cfg
        modules.append(importlib.import_module(project))
    defaults: dict[str, bool | int | float | None] = {}
    for module in modules:
        for name, value in vars(module).items():
            if name.isupper():
                defaults[name] = value if type(value) in (bool, int, float) else None
    return {name: value for name, value in defaults.items() if value is not None}


def setting_problem(settings: BaseSettings) -> str | None:
    """Why a setting's value cannot be read as the type of its default (None: all can).

    The getters Scrapy's components use decide: a bool takes what getbool does ("True", "0",
    "false"); an int default takes an integer (getint), or any number for the few read with
    getfloat (READ_AS_FLOAT); a float, any number.  A number is not negative, nor NaN: no
    count, size or duration is.  Two kinds of setting are exempt: priorities, which are
    signed, and those whose default is negative (-1: "one per core"), which go no lower.
    """
    for name, default in sorted(_typed_defaults().items()):
        raw = settings.get(name)
        if raw is None:
            continue
        if type(default) is bool:
            try:
                settings.getbool(name)
            except ValueError:
                return f"setting {name}={raw!r} is not true or false (1/0, True/False)"
            continue
        as_int = type(default) is int and name not in READ_AS_FLOAT
        try:
            value = settings.getint(name) if as_int else settings.getfloat(name)
        except (ValueError, TypeError, OverflowError):
            return f"setting {name}={raw!r} is not {'an integer' if as_int else 'a number'}"
        if "PRIORITY" in name:
            continue
        floor = min(default, 0)
        if not value >= floor:  # NaN too
            return f"setting {name}={raw!r} is not {floor} or more"
    return None


def sqlite_problem(path: Path) -> str | None:
    """Why the existing file path cannot be read as an SQLite database (None: it can)."""
    from pipelines.store.db import connect_readonly

    try:
        # Read-only: a file that is something else is never touched.
        con = connect_readonly(path)
        try:
            con.execute("select count(*) from sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"{path} cannot be read as an SQLite database ({exc})"
    return None


def folder_problem(folder: Path) -> str | None:
    """Why folder can neither be written nor created (None: it can), creating nothing."""
    for existing in (folder, *folder.absolute().parents):
        if existing.exists() or existing.is_symlink():
            break
    if not existing.is_dir():
        why = "is not a folder"
    elif os.access(existing, os.W_OK | os.X_OK):  # as root, false only on a read-only mount
        return None
    else:
        why = "is not writable"
    return f"{existing} {why}" if existing == folder else f"cannot create {folder}: {existing} {why}"


def database_problem(path: Path, written: bool) -> str | None:
    """Why path is no database to read (and with written, to write; None: it is one)."""
    if path.exists() or path.is_symlink():
        if not path.is_file():
            return f"{path} is not a file"
        if why := sqlite_problem(path):
            return why
        if written and not os.access(path, os.R_OK | os.W_OK):
            return f"{path} is not writable"
    # Its folder also takes SQLite's -wal and -shm files.
    return folder_problem(path.parent) if written else None


def open_crawl_db(path: Path) -> sqlite_utils.Database:
    """open_db, where what it cannot open or migrate (a file that is not SQLite, another
    program's database, an older schema) raises UsageError saying why."""
    from pipelines.store.db import open_db

    if path.exists() and (why := sqlite_problem(path)):
        raise UsageError(why)
    try:
        return open_db(path)
    except sqlite3.Error as exc:
        raise UsageError(f"{path}: {exc}") from None
    except ValueError as exc:  # migrations' refusal names the file and what to do
        raise UsageError(str(exc)) from None


# Every command that writes the database brings its schema up to date first.
MIGRATED_BY = "the next `scrapy crawl`, `scrapy extract --keep-db` or `scrapy merge` into it"


def read_crawl_db(path: Path) -> tuple[sqlite_utils.Database, str | None]:
    """For a command that only reads the crawl database: it opened read-only (never migrated,
    never converted to WAL), and one line saying its schema is older than the code's (None:
    it is current), for the command to print before reading what it can.  What is no crawl
    database (not SQLite, another program's) raises UsageError saying why."""
    from pipelines.store.db import open_db_readonly

    if why := sqlite_problem(path):
        raise UsageError(why)
    try:
        db, pending = open_db_readonly(path)
    except sqlite3.Error as exc:
        raise UsageError(f"{path}: {exc}") from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not pending:
        return db, None
    return db, (f"{path}: its schema is {len(pending)} steps older than this code's; read as "
                f"it is and left unchanged ({MIGRATED_BY} updates it)")
