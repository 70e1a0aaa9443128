"""Whom to inspect, for the 稽核选点 page: the risk ranking, its score components, and the
population, records and public list of 双随机 draws.

Reads marts.fct_institution_risk and fct_institution_risk_component (the ranking and its
explanation), fct_inspection_case (hits by rule family and key area, for the list's filters) and
dim_institutions (type, level and region to stratify a draw by). The draw itself is
analytics.targeting.sampling, the same code as `python -m analytics sample`; its records are kept
append-only in draws_dir().
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pandas as pd

from analytics.errors import AnalyticsError
from analytics.targeting import sampling
from analytics.targeting.sampling_cli import public_list
from dashboard.data.db import query
from ingest import settings

#: A filter value that selects everything.
ALL = "all"

#: What a draw may stratify by: key → (population column, Chinese name).
STRATA = {"type": ("inst_type_zh", "机构类型"), "level": ("level_grade_zh", "等级"), "region": ("admdvs", "区划")}

#: The weight column of a risk-weighted draw (see sampling_population).
RISK_WEIGHT = "risk_weight"


def risk_periods() -> list[str]:
    """The periods ('YYYY') of fct_institution_risk, latest first."""
    frame = query("SELECT DISTINCT period FROM marts.fct_institution_risk ORDER BY period DESC")
    return list(frame["period"])


def filter_options(period: str) -> pd.DataFrame:
    """The choices of the ranking's filters in one period: kind ('inst_type', 'peer_group',
    'rule_family', 'key_area'), value and Chinese label, only values the period has, each kind in
    display order: rule families by 违规大类, key areas in dim_key_areas' order."""
    return query("""
        WITH ranked AS (
            SELECT r.peer_group, r.peer_group_zh, d.inst_type, d.inst_type_zh
            FROM marts.fct_institution_risk AS r
            JOIN marts.dim_institutions AS d USING (fixmedins_code)
            WHERE r.period = ?
        ),
        cases AS (SELECT DISTINCT rule_family, rule_family_zh, rule_category_zh, key_area_zh
                  FROM marts.fct_inspection_case WHERE period = ?),
        choices AS (
            SELECT DISTINCT 'inst_type' AS kind, inst_type AS value, inst_type_zh AS label, '' AS sort_key
            FROM ranked
            UNION ALL SELECT DISTINCT 'peer_group', peer_group, peer_group_zh, '' FROM ranked
            UNION ALL SELECT DISTINCT 'rule_family', rule_family, rule_family_zh, rule_category_zh FROM cases
            UNION ALL SELECT DISTINCT 'key_area', c.key_area_zh, c.key_area_zh, lpad(CAST(k.sort_order AS VARCHAR), 4, '0')
            FROM cases AS c LEFT JOIN marts.dim_key_areas AS k USING (key_area_zh)
        )
        SELECT kind, value, label FROM choices ORDER BY kind, sort_key, value""", [period, period])


def ranked_institutions(period: str, inst_type: str = ALL, peer_group: str = ALL,
                        rule_family: str = ALL, key_area: str = ALL) -> pd.DataFrame:
    """The period's institutions by risk rank, as fct_institution_risk has them, with type and
    level from dim_institutions.

    inst_type / peer_group keep one type or peer group. rule_family / key_area keep the
    institutions with at least one hit of that family / in that key area in the period
    (fct_inspection_case); selected_hit_count and selected_hit_amt are those hits' count and
    Σ suspect_amt (all hits when neither is set). risk_rank stays the rank among all institutions.
    """
    filtered = rule_family != ALL or key_area != ALL
    return query(f"""
        WITH selected AS (
            SELECT fixmedins_code, count(*) AS selected_hit_count, sum(suspect_amt) AS selected_hit_amt
            FROM marts.fct_inspection_case
            WHERE period = $period
              AND ($rule_family = '{ALL}' OR rule_family = $rule_family)
              AND ($key_area = '{ALL}' OR key_area_zh = $key_area)
            GROUP BY fixmedins_code
        )
        SELECT r.risk_rank, r.fixmedins_code, r.fixmedins_name, d.inst_type, d.inst_type_zh,
               d.level_grade_zh, r.peer_group, r.peer_group_zh, r.peer_group_size, r.admdvs,
               r.visits, r.fund_pay_amt, r.risk_score, r.risk_percentile, r.risk_level_zh,
               r.rule_hit_count, r.rule_hit_amt, r.confirmed_hit_amt, r.rule_hit_ratio,
               coalesce(s.selected_hit_count, 0) AS selected_hit_count,
               coalesce(s.selected_hit_amt, 0) AS selected_hit_amt,
               r.top_reasons_zh
        FROM marts.fct_institution_risk AS r
        JOIN marts.dim_institutions AS d USING (fixmedins_code)
        {'JOIN' if filtered else 'LEFT JOIN'} selected AS s USING (fixmedins_code)
        WHERE r.period = $period
          AND ($inst_type = '{ALL}' OR d.inst_type = $inst_type)
          AND ($peer_group = '{ALL}' OR r.peer_group = $peer_group)
        ORDER BY r.risk_rank, r.fixmedins_code""",
        {"period": period, "inst_type": inst_type, "peer_group": peer_group,
         "rule_family": rule_family, "key_area": key_area})


def institution_risk(fixmedins_code: str, period: str) -> pd.DataFrame:
    """The institution's row of ranked_institutions (all filters off), or none when it was not
    ranked in the period."""
    ranked = ranked_institutions(period)
    return ranked[ranked["fixmedins_code"] == fixmedins_code].reset_index(drop=True)


def risk_components(fixmedins_code: str, period: str) -> pd.DataFrame:
    """The institution's score components in the period (fct_institution_risk_component),
    largest contribution first."""
    return query("""
        SELECT indicator, indicator_zh, value, peer_value, shrunk_value, z_score, weight,
               contribution, reason_rank, reason_zh
        FROM marts.fct_institution_risk_component
        WHERE fixmedins_code = ? AND period = ?
        ORDER BY contribution DESC, indicator""", [fixmedins_code, period])


def sampling_population(period: str) -> pd.DataFrame:
    """The institutions a draw in `period` picks from: every institution ranked in the period,
    with name, the STRATA columns (a missing type or level reads 未知, so no institution falls
    out of its stratum) and risk_weight = max(risk_score, 0) for a risk-weighted draw (an
    institution at or below zero keeps the floor chance the sampler gives every institution)."""
    return query("""
        SELECT r.fixmedins_code, r.fixmedins_name,
               coalesce(d.inst_type_zh, '未知') AS inst_type_zh,
               coalesce(d.level_grade_zh, '未知') AS level_grade_zh,
               coalesce(r.admdvs, '未知') AS admdvs,
               greatest(r.risk_score, 0) AS risk_weight
        FROM marts.fct_institution_risk AS r
        LEFT JOIN marts.dim_institutions AS d USING (fixmedins_code)
        WHERE r.period = ?
        ORDER BY r.fixmedins_code""", [period])


# ---------------------------------------------------------------- 双随机 draws

def draws_dir() -> Path:
    """Where draw records are kept: $YIBAO_DRAWS, else $YIBAO_DATA/draws."""
    return Path(os.environ.get("YIBAO_DRAWS", settings.data_dir() / "draws"))


def read_roster(content: bytes) -> pd.DataFrame:
    """An uploaded inspector roster: the CSV of `python -m analytics sample --inspectors`
    (inspector_id, name[, unit_code]), UTF-8, every value text."""
    return pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig")


def new_draw(population: pd.DataFrame, period: str, share: float, strata: list[str], weighted: bool,
             seed: int | None, roster: pd.DataFrame | None, team_size: int = 2) -> tuple[sampling.Draw, Path]:
    """Draw from a period's population (sampling_population(period); sampling.draw), STRATA keys
    as strata, weighted by RISK_WEIGHT when asked; save its record append-only (sampling.save, as
    the CLI does), naming the period it was drawn from, and return the draw with the record's path."""
    result = sampling.draw(population, share=share, strata=tuple(STRATA[s][0] for s in strata),
                           weight_column=RISK_WEIGHT if weighted else None, inspectors=roster,
                           team_size=team_size, seed=seed,
                           source={"table": "marts.fct_institution_risk", "period": period})
    return result, sampling.save(result, draws_dir())


def saved_draws() -> pd.DataFrame:
    """The records in draws_dir(), newest first: draw_id, drawn_at, seed, population_size, drawn."""
    records = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(draws_dir().glob("*.json"))]
    frame = pd.DataFrame([{"draw_id": r["draw_id"], "drawn_at": r["drawn_at"], "seed": r["seed"],
                           "population_size": r["population_size"], "drawn": len(r["institutions"])}
                          for r in records], columns=["draw_id", "drawn_at", "seed", "population_size", "drawn"])
    return frame.sort_values(["drawn_at", "draw_id"], ascending=False, ignore_index=True)


def load_draw(draw_id: str) -> dict:
    """One saved record by its draw id."""
    path = draws_dir() / f"{Path(draw_id).name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def draw_from_record(record: dict) -> sampling.Draw:
    """A saved record as the Draw it was written from (Draw.record() read back)."""
    fields = {**record, "strata": tuple(record["strata"]), "institutions": pd.DataFrame(record["institutions"])}
    return sampling.Draw(**fields)


def redraw_saved(record: dict, roster: pd.DataFrame | None) -> tuple[sampling.Draw, str]:
    """Re-run a saved draw (sampling.redraw) on the population of the period its record names,
    and return it with that period; the sampler refuses when the population has changed since."""
    period = record.get("source", {}).get("period")
    if not period:
        raise AnalyticsError(f"Draw {record['draw_id']} was not drawn from a period's ranking on this page.")
    return sampling.redraw(record, sampling_population(period), roster), period


def public_result_list(result: sampling.Draw, population: pd.DataFrame) -> pd.DataFrame:
    """The 一公开 result list of a draw, as the CLI writes it (sampling_cli.public_list)."""
    return public_list(result, population[["fixmedins_code", "fixmedins_name"]])
