"""Write the README's indicator table from the dbt docs blocks `ind_*` (the one definition).

    python scripts/indicator_table.py           # rewrite the table in README.md
    python scripts/indicator_table.py --check   # exit 1 when README.md is out of date

A block reads `**中文名** — definition …`; the table lists every block in folder order.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from dashboard.indicators import indicators  # noqa: E402

README = ROOT / "README.md"
START, END = "<!-- indicators:start -->", "<!-- indicators:end -->"


def indicator_rows() -> list[tuple[str, str, str]]:
    """(docs block name, Chinese name, definition) for every `ind_*` block, by subject."""
    return [(item.block, item.name_zh, item.definition) for item in indicators()]


def render() -> str:
    lines = [START, "", "| 指标 | 口径 (definition) | docs block |", "|---|---|---|"]
    lines += [f"| {zh} | {text.replace('|', '∣')} | `{name}` |" for name, zh, text in indicator_rows()]
    return "\n".join(lines + ["", END])


def updated_readme() -> str:
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} … {END} section")
    head, rest = text.split(START, 1)
    return head + render() + rest.split(END, 1)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when README.md is out of date")
    new = updated_readme()
    if parser.parse_args().check:
        if new != README.read_text(encoding="utf-8"):
            sys.exit("README.md indicator table is out of date: run python scripts/indicator_table.py")
        return
    README.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
