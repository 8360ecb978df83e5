"""Where the tests' saved material is, for test modules at any depth of tests/."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
PAGES = TESTS / "pages"
