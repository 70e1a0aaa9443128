"""The indicator definitions (口径) as the dbt docs blocks `ind_*` hold them: the one definition.

A block reads `**中文名** — technical definition …`, optionally followed by a paragraph
`公开口径：…`, the plain-Chinese wording printed on the public disclosure (数据口径说明).
scripts/indicator_table.py writes the README's indicator table from these blocks; the
disclosure exports print the public wording of the indicators they publish.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODELS = Path(__file__).resolve().parents[1] / "dbt_project" / "models"
# Subjects in the order a reader meets them: fund health first, then services, items, budget.
SUBJECT_ORDER = ("fund", "service", "items", "disclosure", "budget")
BLOCK = re.compile(r"{%\s*docs\s+(ind_\w+)\s*%}(.*?){%\s*enddocs\s*%}", re.S)
ENTRY = re.compile(r"^\*\*(.+?)\*\*\s*[—-]+\s*(.+)$", re.S)
PUBLIC = "公开口径："


@dataclass(frozen=True)
class Indicator:
    block: str          # docs block name, e.g. ind_avg_los
    name_zh: str        # 平均住院日（人均住院天数）
    definition: str     # the whole definition after the name, public wording included
    public_zh: str | None   # the 公开口径 paragraph, if the block has one


class DefinitionMissing(Exception):
    """An indicator block is missing or malformed."""


def _subject_rank(path: Path) -> tuple[int, str]:
    folder = path.parent.name
    return (SUBJECT_ORDER.index(folder) if folder in SUBJECT_ORDER else len(SUBJECT_ORDER), str(path))


@cache
def indicators() -> tuple[Indicator, ...]:
    """Every `ind_*` block of the dbt project, by subject then file order."""
    found = []
    for path in sorted(MODELS.rglob("*.md"), key=_subject_rank):
        for block, body in BLOCK.findall(path.read_text(encoding="utf-8")):
            match = ENTRY.match(" ".join(body.split()))
            if not match:
                raise DefinitionMissing(f"{path}: docs block {block} does not start with **name** — definition")
            definition = match.group(2)
            public = definition.split(PUBLIC, 1)[1].strip() if PUBLIC in definition else None
            found.append(Indicator(block, match.group(1), definition, public))
    return tuple(found)


def indicator(block: str) -> Indicator:
    for item in indicators():
        if item.block == block:
            return item
    raise DefinitionMissing(f"no docs block {block} in {MODELS}")
