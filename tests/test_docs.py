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


def test_every_mart_states_its_grain_and_documents_every_column(demo_warehouse):
    import json

    manifest = json.loads((demo_warehouse.parent / "target" / "manifest.json").read_text(encoding="utf-8"))
    marts = [n for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["original_file_path"].startswith("dbt_project/models/marts/")]
    assert len(marts) >= 9
    problems = []
    for node in marts:
        if not node["description"].strip().startswith("One row per"):
            problems.append(f"{node['name']}: description does not start with its grain")
        if not node["config"].get("contract", {}).get("enforced"):
            problems.append(f"{node['name']}: contract not enforced")
        built = {c[0] for c in _columns(demo_warehouse, node["name"])}
        documented = {name for name, col in node["columns"].items() if col["description"].strip()}
        if built - documented:
            problems.append(f"{node['name']}: undocumented columns {sorted(built - documented)}")
    assert problems == []


def _columns(warehouse, model):
    from tests.db import query

    return query(warehouse, "SELECT column_name FROM information_schema.columns "
                            "WHERE table_schema = 'marts' AND table_name = ?", [model])
