"""Run one model on one history and judge the result.

statsmodels fails in several ways: exceptions, non-convergence, NaN/inf forecasts, explosive
paths or intervals (ETSModel NaN forecasts, statsmodels issue #9555; blow-ups with MASE 3.75e7
in Nixtla's M4 replication). A model's
attempt succeeds only if it raises nothing, converges, and its forecast is finite and stays in
a plausible envelope around the history; otherwise the attempt records why. Warnings
statsmodels emits are caught and kept, so they are reported rather than printed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from analytics.forecast.intervals import model_multipliers
from analytics.forecast.models import ModelForecast, Unsuitable
from analytics.forecast.scale import Scale

MEAN_ENVELOPE = 2.0      # point forecasts within history range ± this many ranges (grows with h/n)
BOUND_ENVELOPE = 10.0    # 95% bounds within ± this many ranges (grows with h/n)


@dataclass(frozen=True)
class Attempt:
    """A model's try on a history: its forecast (None if it raised), why it was rejected
    (None if usable) and the warnings it emitted."""
    model: str
    forecast: ModelForecast | None
    reason: str | None
    warnings: tuple[str, ...]

    @property
    def usable(self) -> bool:
        return self.reason is None


def attempt(model: str, fit: Callable[[pd.Series, int], ModelForecast], history: pd.Series,
            scale: Scale, horizon: int) -> Attempt:
    """Fit `fit` on the working-scale history and check the forecast against `history`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            forecast = fit(pd.Series(scale.forward(history.to_numpy()), index=history.index), horizon)
            reason = implausibility(forecast, history.to_numpy(), scale)
        except Unsuitable as exc:
            forecast, reason = None, str(exc)
        except Exception as exc:  # noqa: BLE001 — any statsmodels/numpy failure means: fall back
            forecast, reason = None, f"{model} failed ({type(exc).__name__}: {exc})"
    messages = tuple(dict.fromkeys(f"{model}: {w.category.__name__}: {w.message}" for w in caught))
    return Attempt(model, forecast, reason, messages)


def implausibility(forecast: ModelForecast, history: np.ndarray, scale: Scale) -> str | None:
    """Why a forecast cannot be used (non-finite, explosive), or None when it can."""
    if not (np.all(np.isfinite(forecast.mean)) and np.all(np.isfinite(forecast.sd))):
        return "the forecast has NaN or infinite values"
    if np.any(forecast.sd < 0):
        return "the forecast has a negative spread"
    low, high = float(history.min()), float(history.max())
    span = max(high - low, 0.1 * float(np.median(np.abs(history))), 1e-9)
    growth = 1 + 1.5 * np.arange(1, len(forecast.mean) + 1) / len(history)
    mean = scale.inverse(forecast.mean)
    if np.any(mean < low - MEAN_ENVELOPE * span * growth) or np.any(mean > high + MEAN_ENVELOPE * span * growth):
        return "the forecast path is explosive (leaves the plausible range of the history)"
    z95 = model_multipliers(None)[0.95]
    with np.errstate(over="ignore", invalid="ignore"):
        lower = scale.inverse(forecast.mean - z95 * forecast.sd)
        upper = scale.inverse(forecast.mean + z95 * forecast.sd)
    if not (np.all(np.isfinite(upper)) and np.all(np.isfinite(lower))) or \
            np.any(upper - lower > 2 * BOUND_ENVELOPE * span * growth):
        return "the prediction intervals are explosive"
    return None
