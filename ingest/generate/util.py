"""Vectorised helpers shared by the generator modules: random streams, id strings, money arrays.

Everything here works on whole numpy arrays; nothing loops over rows.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

EPOCH = np.datetime64("1970-01-01", "D")
DAY_S = 86_400


def rng_for(seed: int, *stream: int) -> np.random.Generator:
    """An independent, reproducible random stream for (seed, stream ids...)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *stream])))


def day_of(date: str) -> int:
    """Days since 1970-01-01 of an ISO date string."""
    return int((np.datetime64(date, "D") - EPOCH).astype(np.int64))


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1-12), day (1-31) arrays of day numbers."""
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, dd


def year_start(year: int | np.ndarray) -> np.ndarray:
    """Day number of 1 January of each year."""
    y = np.asarray(year, dtype=np.int64)
    return (y - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def grouped_arange(counts: np.ndarray) -> np.ndarray:
    """0..n-1 within each group of a repeat(counts) layout: [2,3] -> [0,1,0,1,2]."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def digits_ascii(values: np.ndarray, width: int) -> np.ndarray:
    """uint8 matrix (n, width) of the zero-padded decimal ASCII digits of non-negative ints."""
    v = np.asarray(values, dtype=np.int64).copy()
    out = np.empty((len(v), width), dtype=np.uint8)
    for i in range(width - 1, -1, -1):
        out[:, i] = (v % 10).astype(np.uint8) + 48
        v //= 10
    return out


def ascii_to_arrow(mat: np.ndarray) -> pa.Array:
    """Fixed-width ASCII byte matrix -> Arrow string array (zero copy of the bytes)."""
    n, w = mat.shape
    data = pa.py_buffer(np.ascontiguousarray(mat).tobytes())
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * w).tobytes())
    return pa.Array.from_buffers(pa.string(), n, [None, offsets, data])


def id_strings(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    """'<prefix><zero-padded value>' strings, e.g. id_strings('341503', [7], 4) -> '3415030007'."""
    digits = digits_ascii(values, width)
    if prefix:
        pre = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
        digits = np.hstack([np.broadcast_to(pre, (len(values), len(pre))), digits])
    return ascii_to_arrow(digits)


def money(fen: np.ndarray, scale: int = 2) -> pa.Array:
    """Integer minor units (fen for scale 2, 1/10000 for scale 4) -> exact Arrow decimal128(18, scale)."""
    v = np.asarray(fen, dtype=np.int64)
    buf = np.empty((len(v), 2), dtype=np.int64)
    buf[:, 0] = v
    buf[:, 1] = np.where(v < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(18, scale), len(v), [None, pa.py_buffer(buf.tobytes())])


def nullable_money(fen: np.ndarray, valid: np.ndarray, scale: int = 2) -> pa.Array:
    """Like money() with nulls where valid is False."""
    arr = money(np.where(valid, fen, 0), scale)
    mask = pa.array(~np.asarray(valid, dtype=bool))
    return pa.compute.if_else(mask, pa.scalar(None, arr.type), arr)


def round_half_away(num: np.ndarray, den: int) -> np.ndarray:
    """Integer division num/den rounded half away from zero (as SQL ROUND does)."""
    num = np.asarray(num, dtype=np.int64)
    q = (np.abs(num) + den // 2) // den
    return np.where(num < 0, -q, q)


def timestamps(seconds: np.ndarray) -> pa.Array:
    """Seconds since epoch -> Arrow timestamp[s]."""
    return pa.array(np.asarray(seconds, dtype=np.int64), type=pa.timestamp("s"))


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Day numbers -> Arrow date32, null where valid is False."""
    days = np.asarray(days, dtype=np.int32)
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(days, type=pa.date32(), mask=mask)


def take_str(values: list[str] | pa.Array, idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """values[idx] as an Arrow string array, null where valid is False."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    out = arr.take(pa.array(np.asarray(idx, dtype=np.int64)))
    if valid is not None:
        out = pa.compute.if_else(pa.array(np.asarray(valid, dtype=bool)), out, pa.scalar(None, pa.string()))
    return out


def const_str(value: str | None, n: int) -> pa.Array:
    """A string column of n copies of value (or nulls)."""
    if value is None:
        return pa.nulls(n, pa.string())
    return pa.array([value], type=pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))


def weighted_choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Indices drawn with probability proportional to weights (1-D)."""
    c = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.searchsorted(c, rng.random(size) * c[-1], side="right").clip(0, len(c) - 1)


def rowwise_choice(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One index per row of a (n, k) weight matrix, proportional to that row's weights."""
    c = np.cumsum(np.asarray(weights, dtype=np.float64), axis=1)
    u = rng.random(len(c)) * c[:, -1]
    return (c < u[:, None]).sum(axis=1).clip(0, c.shape[1] - 1)
