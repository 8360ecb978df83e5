"""Benchmarks: ``python -m bench.clean`` compares the cleaner with trafilatura."""
