"""Methods users ask for, and what is actually used: fallbacks and the combination.

Fallback chain (each step taken only when the previous one is rejected by `guard`):
    ets | theta | sarima | sarimax  →  snaive  →  naive    (monthly)
    combo: the median of the members ets, theta, sarima that succeed (two left: their mean),
           spread the mean of theirs; one member left → that member; none → snaive → naive
    drift | loglinear  →  naive                            (annual)
The last model of a chain is kept even when its intervals look explosive (as long as they are
finite): naive cannot leave the history's range, only its spread can be wide.
A constant history always gets the naive forecast (no model has anything to fit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.errors import AnalyticsError
from analytics.forecast.guard import Attempt, attempt
from analytics.forecast.models import ANNUAL_MODELS, MONTHLY_MODELS, ModelForecast
from analytics.forecast.scale import Scale, choose_scale

METHODS = ("snaive", "naive", "ets", "theta", "sarima", "sarimax", "combo")
ANNUAL_METHODS = ("naive", "drift", "loglinear")
# Chosen by the backtest on the generated county (docs/forecast-backtest.md): the airline SARIMA
# beat every other candidate, the combination included, at every horizon.
DEFAULT_METHOD = "sarima"
# Constant growth rate with intervals from the spread of the yearly changes: the usual
# judgement for a fund's yearly totals; too few years to choose by backtest (see the doc).
DEFAULT_ANNUAL_METHOD = "drift"
COMBO_MEMBERS = ("ets", "theta", "sarima")
FALLBACKS = {"M": ("snaive", "naive"), "A": ("naive",)}


def resolve(method: str, freq: str) -> str:
    """The method name for `freq` (`default` → the default); AnalyticsError if unknown."""
    names, default = (METHODS, DEFAULT_METHOD) if freq == "M" else (ANNUAL_METHODS, DEFAULT_ANNUAL_METHOD)
    name = default if method == "default" else method
    if name not in names:
        raise AnalyticsError(f"method {method!r} is not available for freq {freq}; "
                             f"choose one of: default, {', '.join(names)}.")
    return name


@dataclass
class Attempts:
    """Model attempts on one history, each model fitted at most once (shared across methods)."""
    history: pd.Series
    horizon: int
    freq: str
    level: bool = False          # fit on the level even where choose_scale would take logs
    scale: Scale = field(init=False)
    _done: dict[str, Attempt] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.scale = Scale(shift=None) if self.level else choose_scale(self.history.to_numpy())

    def get(self, model: str) -> Attempt:
        if model not in self._done:
            models = MONTHLY_MODELS if self.freq == "M" else ANNUAL_MODELS
            self._done[model] = attempt(model, models[model], self.history, self.scale, self.horizon)
        return self._done[model]


@dataclass(frozen=True)
class MethodForecast:
    """What a method produced on one history: the method used, why not the one asked for."""
    method: str
    fallback_reason: str | None
    forecast: ModelForecast
    scale: Scale
    warnings: tuple[str, ...]


def run_method(method: str, attempts: Attempts) -> MethodForecast:
    """Forecast with `method` (a resolved name), falling back as the module docstring says."""
    history = attempts.history.to_numpy()
    if np.ptp(history) == 0:
        chosen = attempts.get("naive")
        return _result(attempts, chosen.model, chosen.forecast,
                       f"constant series (every value is {history[0]:g}): naive forecast", [chosen])
    if method == "combo":
        return _combination(attempts)
    return _with_fallbacks(attempts, method, [])


def _chain(method: str, freq: str) -> tuple[str, ...]:
    """`method` then the fallbacks that come after it."""
    fallbacks = FALLBACKS[freq]
    after = fallbacks[fallbacks.index(method) + 1:] if method in fallbacks else fallbacks
    return (method, *after)


def _with_fallbacks(attempts: Attempts, method: str, reasons: list[str],
                    tried: list[Attempt] | None = None) -> MethodForecast:
    tried = list(tried or [])
    for model in _chain(method, attempts.freq):
        result = attempts.get(model)
        tried.append(result)
        if result.usable:
            return _result(attempts, model, result.forecast, "; ".join(reasons) or None, tried)
        reasons.append(result.reason)
    if attempts.scale.log:
        # every model failed on the log scale (e.g. a short, spiky history whose log-scale
        # bounds explode): the last resort again on the level scale
        on_level = Attempts(attempts.history, attempts.horizon, attempts.freq, level=True)
        result = on_level.get(tried[-1].model)
        if result.usable:
            return _result(on_level, result.model, result.forecast,
                           "; ".join(reasons) + f"; {result.model} on the level scale", [*tried, result])
    last = tried[-1].forecast
    if last is not None and np.all(np.isfinite(last.mean)) and np.all(np.isfinite(last.sd)):
        return _result(attempts, tried[-1].model, last,
                       "; ".join(reasons) + f"; {tried[-1].model} kept as the last resort", tried)
    raise AnalyticsError("no forecast possible: " + "; ".join(reasons) + ".")


def _combination(attempts: Attempts) -> MethodForecast:
    members = [attempts.get(m) for m in COMBO_MEMBERS]
    good = [m for m in members if m.usable]
    reasons = [m.reason for m in members if not m.usable]
    if len(good) >= 2:
        mean = np.median([m.forecast.mean for m in good], axis=0)
        sd = np.mean([m.forecast.sd for m in good], axis=0)
        reason = f"combination of {', '.join(m.model for m in good)} only: " + "; ".join(reasons) if reasons else None
        return _result(attempts, "combo", ModelForecast(mean, sd), reason, members)
    if len(good) == 1:
        return _result(attempts, good[0].model, good[0].forecast, "; ".join(reasons), members)
    return _with_fallbacks(attempts, "snaive", reasons, members)


def _result(attempts: Attempts, model: str, forecast: ModelForecast, reason: str | None,
            tried: list[Attempt]) -> MethodForecast:
    messages = tuple(dict.fromkeys(w for a in tried for w in a.warnings))
    return MethodForecast(model, reason, forecast, attempts.scale, messages)
