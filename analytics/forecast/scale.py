"""The working scale models fit on: (shifted) logarithms for non-negative series, the level
for series with negative values.

On the log scale additive models become multiplicative (seasonality and growth in per cent),
which fund money series need, without the multiplicative statsmodels variants that fail on
zeros and negatives. Series with zero or near-zero months (a resident fund's income arrives in
collection campaigns) are shifted first, just enough that the largest month is at most
MAX_RATIO times the smallest: log(y + c) then treats the big months multiplicatively without
blowing up the empty ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_RATIO = 20.0


@dataclass(frozen=True)
class Scale:
    """log(y + shift), or the level when `shift` is None; monotone, so interval bounds map to
    interval bounds."""
    shift: float | None

    @property
    def log(self) -> bool:
        return self.shift is not None

    @property
    def name(self) -> str:
        if self.shift is None:
            return "level"
        return "log" if self.shift == 0 else f"log(y + {self.shift:.6g})"

    def forward(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        if self.shift is None:
            return values
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(values + self.shift)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        if self.shift is None:
            return values
        with np.errstate(over="ignore"):
            return np.exp(values) - self.shift


def choose_scale(values: np.ndarray) -> Scale:
    """Log scale for a non-negative series (shifted when its range exceeds MAX_RATIO), else level."""
    low, high = float(np.min(values)), float(np.max(values))
    if low < 0 or high <= 0:
        return Scale(shift=None)
    return Scale(shift=max(0.0, (high - MAX_RATIO * low) / (MAX_RATIO - 1)))
