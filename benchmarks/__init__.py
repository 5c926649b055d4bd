"""Benchmarks of the HIL suite's hot paths against the alternatives (not part of the tests).

Run ``.venv/bin/python -m benchmarks``; results go to ``benchmarks/RESULTS.md``.
"""
