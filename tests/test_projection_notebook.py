"""notebooks/actuarial_validation.ipynb runs top to bottom, its demo section on the session warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "actuarial_validation.ipynb"


def test_validation_notebook_runs_without_errors_on_the_demo_warehouse(demo_warehouse, monkeypatch):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(NOTEBOOK.parents[1]), os.environ.get("PYTHONPATH", "")]))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "section (c) skipped" not in text, "the demo section ran on the warehouse"
    assert "depletion_probability" in text
