"""Chunked writers of raw tables as CSV (UTF-8 or GB18030), Parquet or XLSX.

Columns are written in contract order with the contract's English names. CSV: dates
YYYY-MM-DD, timestamps YYYY-MM-DD HH:MM:SS, money with 2 decimals, empty field for NULL.
Parquet: codes as strings, money as decimal128(18,2), quantities as decimal128(18,4).
XLSX: codes and dates as text cells, amounts as numbers; at most 1,048,575 data rows.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ingest.contracts import Table

EXT = {"csv": "csv", "parquet": "parquet", "xlsx": "xlsx"}
XLSX_MAX_ROWS = 1_048_575
PARQUET_TYPES = {"string": pa.string(), "int": pa.int32(), "money": pa.decimal128(18, 2),
                 "qty": pa.decimal128(18, 4), "ratio": pa.decimal128(18, 4), "date": pa.date32(),
                 "timestamp": pa.timestamp("s")}


class TableWriter:
    """Appends Arrow chunks of one contract table to out_dir/<table>.<ext>."""

    def __init__(self, out_dir: Path, table: Table, fmt: str, encoding: str = "utf-8"):
        self.table, self.fmt, self.encoding = table, fmt, encoding
        self.path = Path(out_dir) / f"{table.name}.{EXT[fmt]}"
        self.rows = 0
        self._pq: pq.ParquetWriter | None = None
        self._fh = None
        self._wb = self._ws = None
        self._schema = pa.schema([(c.name, PARQUET_TYPES[c.type]) for c in table.columns])
        if fmt == "csv":
            self._fh = open(self.path, "wb")
            self._fh.write(self._encode(",".join(table.column_names) + "\n"))
        elif fmt == "xlsx":
            import xlsxwriter
            self._wb = xlsxwriter.Workbook(str(self.path), {"constant_memory": True})
            self._ws = self._wb.add_worksheet(table.name)
            for j, name in enumerate(table.column_names):
                self._ws.write_string(0, j, name)

    def _encode(self, text: str) -> bytes:
        return text.encode(self.encoding)

    def _ordered(self, t: pa.Table) -> pa.Table:
        names = list(self.table.column_names)
        if sorted(t.column_names) != sorted(names):
            missing = set(names) - set(t.column_names)
            extra = set(t.column_names) - set(names)
            raise ValueError(f"{self.table.name}: columns differ from the contract "
                             f"(missing {sorted(missing)}, extra {sorted(extra)})")
        return t.select(names)

    def write(self, t: pa.Table) -> None:
        t = self._ordered(t)
        if t.num_rows == 0:
            return
        if self.fmt == "csv":
            self._write_csv(t)
        elif self.fmt == "parquet":
            t = t.cast(self._schema)
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.path, self._schema, compression="snappy")
            self._pq.write_table(t, row_group_size=1_000_000)
        else:
            self._write_xlsx(t)
        self.rows += t.num_rows

    def _write_csv(self, t: pa.Table) -> None:
        buf = io.BytesIO()
        pacsv.write_csv(t, buf, pacsv.WriteOptions(include_header=False, quoting_style="none",
                                                   batch_size=65536))
        data = buf.getvalue()
        if self.encoding.lower().replace("-", "") != "utf8":
            data = data.decode("utf-8").encode(self.encoding)
        self._fh.write(data)

    def _write_xlsx(self, t: pa.Table) -> None:
        if self.rows + t.num_rows > XLSX_MAX_ROWS:
            self.close()
            raise ValueError(f"{self.table.name}: {self.rows + t.num_rows:,} rows do not fit in an XLSX "
                             f"sheet (Excel's limit is {XLSX_MAX_ROWS:,} data rows); use csv or parquet "
                             f"or fewer persons/years")
        kinds = [c.type for c in self.table.columns]
        cols = []
        for c, kind in zip(t.columns, kinds):
            if kind in ("date", "timestamp"):
                c = c.cast(pa.string())
            cols.append(c.to_pylist())
        ws = self._ws
        r0 = self.rows + 1
        numeric = [k in ("money", "qty", "ratio", "int") for k in kinds]
        for i, row in enumerate(zip(*cols)):      # constant_memory mode: strictly row by row
            for j, x in enumerate(row):
                if x is None:
                    continue
                if numeric[j]:
                    ws.write_number(r0 + i, j, float(x))
                else:
                    ws.write_string(r0 + i, j, str(x))

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._pq is not None:
            self._pq.close()
            self._pq = None
        elif self.fmt == "parquet" and not self.path.exists():
            pq.write_table(self._schema.empty_table(), self.path)
        if self._wb is not None:
            self._wb.close()
            self._wb = None
