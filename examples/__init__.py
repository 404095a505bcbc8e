"""Runnable flowstate examples: `python -m examples.<name>`; each is run by `test_examples.py`."""
