"""Synthetic data generator: a realistic county 医保 extract with known, injected violations.

`generate()` writes every raw table of `ingest.contracts.TABLES` to out_dir/<table>.<ext> and
the ground truth of the injected violations to out_dir/truth/. Same arguments, same bytes.
"""

from __future__ import annotations

from .pipeline import generate

__all__ = ["generate"]
