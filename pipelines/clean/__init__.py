"""The cleaning stages: page bytes in, a CleanResult out (pipelines.clean.cleaner.clean)."""
