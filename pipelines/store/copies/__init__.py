"""Copies of one report: fingerprints, near-duplicate clusters and the canonical copy."""
