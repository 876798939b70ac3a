"""Load and start-up benchmark of aurous-mock (run `python bench/run.py` from the repository root)."""
