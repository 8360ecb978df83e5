"""The docs cover the code: every setting, every command, every path and link they cite.

In the manner of sqlite-utils' and Datasette's tests/test_docs.py: parametrized over what the
code defines, so a setting or command added without its documentation fails here by name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.paths import REPO

SETTINGS = REPO / "crawler" / "settings.py"
COMMANDS = REPO / "crawler" / "commands"
DOCS = REPO / "docs"
README = REPO / "README.md"
PAGES = sorted(DOCS.glob("*.md"))


def defined_settings() -> list[str]:
    """UPPERCASE names assigned at the top level of crawler/settings.py."""
    names = []
    for node in ast.parse(SETTINGS.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        names += [t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()]
    return names


def command_names() -> list[str]:
    return sorted(p.stem for p in COMMANDS.glob("*.py") if p.stem != "__init__")


def documented_settings(text: str) -> set[str]:
    """Names in backticks opening a table row or standing in a heading."""
    rows = re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`", text, re.M)
    headings = re.findall(r"^#+ .*?`([A-Z][A-Z0-9_]*)`", text, re.M)
    return set(rows) | set(headings)


def documented_commands(text: str) -> set[str]:
    return set(re.findall(r"^#+ `scrapy (\w+)`", text, re.M))


def test_the_settings_and_commands_are_found():
    # Guards the parametrization below: an empty list would pass every test vacuously.
    assert {"DATA_DIR", "WARC_ENABLED", "DOWNLOADER_MIDDLEWARES", "SSRF_ALLOWED"} <= set(
        defined_settings())
    assert {"crawl", "extract"} <= set(command_names())


@pytest.mark.parametrize("name", defined_settings())
def test_setting_is_documented(name: str):
    assert name in documented_settings((DOCS / "settings.md").read_text(encoding="utf-8")), (
        f"{name} is set in crawler/settings.py but has no row in docs/settings.md")


@pytest.mark.parametrize("name", command_names())
def test_command_is_documented(name: str):
    assert name in documented_commands((DOCS / "commands.md").read_text(encoding="utf-8")), (
        f"crawler/commands/{name}.py has no `scrapy {name}` heading in docs/commands.md")


def test_each_setting_is_defined_once():
    names = defined_settings()
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_component_orders_are_set_in_one_literal_each():
    """DOWNLOADER_MIDDLEWARES and friends are one dict literal, never added to later."""
    source = SETTINGS.read_text(encoding="utf-8")
    tree = ast.parse(source)
    for name in ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES", "EXTENSIONS"):
        assigned = [n for n in tree.body if isinstance(n, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)]
        assert len(assigned) == 1 and isinstance(assigned[0].value, ast.Dict), name
        assert not re.search(rf"\b{name}\s*(\[|\.update\()", source), name


def makefile_variables() -> list[str]:
    """The variables a user may set on the make command line (`NAME ?= default`)."""
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return sorted(set(re.findall(r"^([A-Z][A-Z0-9_]*) \?=", text, re.M)))


@pytest.mark.parametrize("name", makefile_variables())
def test_makefile_variable_is_documented(name: str):
    docs = "\n".join(p.read_text(encoding="utf-8") for p in [README, *PAGES])
    assert re.search(rf"`{name}\b|\b{name}=", docs), f"make's {name} is not documented in docs/"


def rooms() -> list[str]:
    """The top-level packages, and the packages inside pipelines/."""
    tops = {f"{p.parent.name}/" for p in REPO.glob("*/__init__.py")}
    packages = {f"{p.parent.relative_to(REPO)}/" for p in (REPO / "pipelines").rglob("__init__.py")}
    return sorted(tops | packages)


@pytest.mark.parametrize("room", rooms())
def test_readme_names_each_room_in_one_line(room: str):
    lines = [ln for ln in README.read_text(encoding="utf-8").splitlines()
             if ln.startswith(f"- `{room}`")]
    assert len(lines) == 1, f"README has no line of its own for {room}"


# -- links and cited paths -------------------------------------------------------------------
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")
# A repository path as docs cite it: folders and a file name with one of these extensions.
CITED = re.compile(r"(?<![\w./$~:-])((?:[\w.-]+/)+[\w.-]+\.(?:py|md|toml|txt|yml|yaml|cfg|lock|json|css))\b")
# Made by a crawl or the reader's own files, not part of the repository.
GENERATED = ("data/", "DATA_DIR/", "OUT/", "path/", "saved-page")


def cited_paths(text: str) -> set[str]:
    return {p for p in CITED.findall(text) if not p.startswith(GENERATED)}


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_links_resolve(page: Path):
    text = page.read_text(encoding="utf-8")
    for target, anchor in LINK.findall(text):
        if "://" in target:
            continue
        path = (page.parent / target).resolve()
        assert path.exists(), f"{page.name} links to {target}, which does not exist"
        if anchor and path.suffix == ".md":
            assert anchor[1:] in anchors(path), f"{page.name} links to {target}{anchor}"


def test_readme_links_every_doc():
    linked = {t for t, _ in LINK.findall(README.read_text(encoding="utf-8"))}
    assert {f"docs/{p.name}" for p in PAGES} <= linked


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_cited_paths_exist(page: Path):
    """Catches paths gone stale when code moves: `crawler/robots.py`, `pipelines/store/db.py`."""
    text = page.read_text(encoding="utf-8")
    missing = sorted(p for p in cited_paths(text)
                     if not (REPO / p).exists() and not (page.parent / p).exists())
    assert missing == [], f"{page.name} cites paths that do not exist"


MODULE = re.compile(r"`((?:crawler|archive|pipelines|explore|fixtureweb|bench)(?:\.\w+)+)")


def module_file(dotted: str) -> tuple[Path, list[str]] | None:
    """The longest prefix of a dotted name that is a module file, and the rest."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        base = REPO.joinpath(*parts[:cut])
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate, parts[cut:]
    return None


def top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_cited_modules_exist(page: Path):
    """`pipelines.store.record.record_page`: the module exists and defines the name."""
    stale = []
    for dotted in sorted(set(MODULE.findall(page.read_text(encoding="utf-8")))):
        found = module_file(dotted)
        if found is None or (found[1] and found[1][0] not in top_level_names(found[0])):
            stale.append(dotted)
    assert stale == [], f"{page.name} cites modules or names that do not exist"


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_python_m_modules_exist(page: Path):
    """`python -m fixtureweb.server`: a module (or a package with __main__) of the repository."""
    stale = []
    for dotted in sorted(set(re.findall(r"python -m ([\w.]+)", page.read_text(encoding="utf-8")))):
        base = REPO.joinpath(*dotted.split("."))
        if not (base.with_suffix(".py").is_file() or (base / "__main__.py").is_file()):
            stale.append(dotted)
    assert stale == [], f"{page.name} runs modules that do not exist"
