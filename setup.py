"""For scrapyd-deploy, which builds the egg Scrapyd runs with `python setup.py bdist_egg`.

Everything about the package (modules, data files, the `scrapy` settings entry point) is in
pyproject.toml; this file only hands over to setuptools.
"""

from setuptools import setup

setup()
