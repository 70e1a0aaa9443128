"""The data edition: one XLSX workbook with one sheet per published table, a 数据口径说明 sheet
(every indicator's public definition) and a 说明 sheet (source, cutoff, suppression). Numbers are
stored as numbers (the marts' values) with display formats, dates as dates; suppressed cells hold *."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter

from dashboard.exports.disclosure.publication import NOT_APPLICABLE, SUPPRESSED, Publication

NUMBER_FORMATS = {"money": "#,##0.00", "price": "#,##0.0000", "count": "#,##0", "percent": "0.00%", "days": "0.00", "months": "0.00"}
SHEET_DEFINITIONS = "数据口径说明"
SHEET_NOTES = "说明"
#: The notes repeated under every sheet's table (the 说明 sheet has them all).
SHEET_FOOT = ("数据来源", "数据截止日期", "监管信息截止日期", "小数保护")


def write_xlsx(pub: Publication, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(path) as book:
        bold = book.add_format({"bold": True})
        title = book.add_format({"bold": True, "font_size": 13})
        header = book.add_format({"bold": True, "bg_color": "#EEF3FA", "border": 1, "text_wrap": True})
        formats = {kind: book.add_format({"num_format": fmt}) for kind, fmt in NUMBER_FORMATS.items()}
        formats["date"] = book.add_format({"num_format": "yyyy-mm-dd", "align": "left"})
        centred = book.add_format({"align": "center"})
        for table in pub.tables:
            sheet = book.add_worksheet(table.sheet)
            sheet.write(0, 0, f"{table.title}（{pub.period_label}）", title)
            for c, col in enumerate(table.columns):
                sheet.write(2, c, col.label, header)
                sheet.set_column(c, c, 14 if col.kind != "text" else 24)
            for r, row in enumerate(table.rows, start=3):
                for c, col in enumerate(table.columns):
                    value = row.get(col.key)
                    if isinstance(value, str) and value == SUPPRESSED:
                        sheet.write_string(r, c, SUPPRESSED, centred)
                    elif value is None:
                        sheet.write_string(r, c, NOT_APPLICABLE, centred)
                    elif col.kind in NUMBER_FORMATS:
                        sheet.write_number(r, c, float(value), formats[col.kind])
                    elif col.kind == "date":
                        sheet.write_datetime(r, c, pd.Timestamp(value).to_pydatetime(), formats["date"])
                    else:
                        sheet.write_string(r, c, str(value))
            if not table.rows and table.empty_text:
                sheet.write_string(3, 0, table.empty_text)
            sheet.freeze_panes(3, 0)
            foot = max(len(table.rows), 1) + 4
            lines = [*table.notes, *((h, t) for h, t in pub.notes if h in SHEET_FOOT)]
            for i, (heading, text) in enumerate(lines):
                sheet.write(foot + i, 0, f"{heading}：{text}")
            sheet.write(foot + len(lines), 0, f"指标口径见“{SHEET_DEFINITIONS}”工作表。")
        sheet = book.add_worksheet(SHEET_DEFINITIONS)
        sheet.write_row(0, 0, ["指标", "口径说明"], header)
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 100)
        for r, item in enumerate(pub.definitions, start=1):
            sheet.write(r, 0, item.name_zh, bold)
            sheet.write(r, 1, item.public_zh)
        sheet = book.add_worksheet(SHEET_NOTES)
        sheet.set_column(0, 0, 14)
        sheet.set_column(1, 1, 100)
        sheet.write(0, 0, pub.title, title)
        for r, (heading, text) in enumerate(pub.notes, start=2):
            sheet.write(r, 0, heading, bold)
            sheet.write(r, 1, text)
    return path
