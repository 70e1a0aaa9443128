"""Documentation promises: the README's indicator table is the dbt docs blocks, each used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import indicator_table  # noqa: E402


def test_readme_indicator_table_is_generated_from_the_docs_blocks():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "indicator_table.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_indicator_block_is_carried_by_a_documented_column():
    ymls = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "dbt_project" / "models").rglob("*.yml"))
    unused = [name for name, _, _ in indicator_table.indicator_rows() if f"doc('{name}')" not in ymls]
    assert unused == []
