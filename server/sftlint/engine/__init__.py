"""Checking a dataset: rows through the row checks, then the file checks."""
