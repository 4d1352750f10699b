"""Benchmarks, run from the repository root with the venv's Python, e.g.
``.venv/bin/python -m benchmarks.core``. They are not part of the installed package. Each prints
ratios measured side by side in one run (these machines are shared and noisy), never a timed
pass/fail."""
