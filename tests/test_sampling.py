"""双随机 draws: stratified, reproducible from the recorded seed, teams without conflicts."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest

from analytics.errors import AnalyticsError
from analytics.targeting.sampling import draw, redraw, save

NOW = dt.datetime(2026, 3, 1, 9, 30)


def population() -> pd.DataFrame:
    rows = []
    for k, (stratum, n) in enumerate((("hospital|3", 4), ("hospital|2", 9), ("clinic|1", 30), ("pharmacy|0", 57))):
        for i in range(n):
            rows.append({"fixmedins_code": f"H{k:02d}{i:09d}", "peer_group": stratum, "risk": float(i % 5)})
    return pd.DataFrame(rows)


def roster(n: int = 12) -> pd.DataFrame:
    return pd.DataFrame({"inspector_id": [f"J{i:03d}" for i in range(n)], "name": [f"检查员{i}" for i in range(n)],
                         "unit_code": [None] * n})


def test_each_stratum_gets_its_share_rounded_up_and_at_least_the_minimum():
    result = draw(population(), share=0.1, strata=("peer_group",), min_per_stratum=2, seed=1, now=NOW)
    counts = result.institutions.groupby("peer_group").size().to_dict()
    assert counts == {"hospital|3": 2, "hospital|2": 2, "clinic|1": 3, "pharmacy|0": 6}
    assert result.population_size == 100 and result.institutions["fixmedins_code"].is_unique
    assert len(result.institutions) >= math.ceil(0.1 * 100)


def test_same_seed_same_draw_and_teams_other_seed_other_draw():
    a = draw(population(), share=0.2, strata=("peer_group",), inspectors=roster(), seed=42, now=NOW)
    b = draw(population(), share=0.2, strata=("peer_group",), inspectors=roster(), seed=42, now=NOW)
    c = draw(population(), share=0.2, strata=("peer_group",), inspectors=roster(), seed=43, now=NOW)
    assert a.institutions.equals(b.institutions)
    assert list(a.institutions["fixmedins_code"]) != list(c.institutions["fixmedins_code"])


def test_a_seedless_draw_records_the_seed_it_used_so_it_can_be_rerun(tmp_path):
    first = draw(population(), share=0.1, strata=("peer_group",), inspectors=roster(), now=NOW)
    record = __import__("json").loads(save(first, tmp_path).read_text(encoding="utf-8"))
    again = redraw(record, population(), roster())
    assert again.institutions.equals(first.institutions) and again.seed == first.seed
    with pytest.raises(AnalyticsError, match="never overwritten"):
        save(first, tmp_path)


def test_redraw_refuses_another_population():
    record = draw(population(), share=0.1, seed=5, now=NOW).record()
    changed = population().iloc[1:]
    with pytest.raises(AnalyticsError, match="another institution list"):
        redraw(record, changed)


def test_weights_favour_high_risk_but_keep_everyone_possible():
    pop = population().assign(risk=lambda f: [100.0 if i < 10 else 0.0 for i in range(len(f))])
    hits = pd.Series(0, index=pop["fixmedins_code"])
    for seed in range(200):
        hits[draw(pop, share=0.1, weight_column="risk", seed=seed, now=NOW).institutions["fixmedins_code"]] += 1
    high, low = hits.iloc[:10].mean(), hits.iloc[10:].mean()
    assert high > 20 * low and (hits.iloc[10:] > 0).any()


def test_teams_avoid_the_inspectors_own_unit_and_spread_the_work():
    pop = population()
    people = roster(6).assign(unit_code=[pop["fixmedins_code"].iloc[0]] * 3 + [None] * 3)
    result = draw(pop, share=1.0, inspectors=people, team_size=2, seed=3, now=NOW)
    own = result.institutions.loc[result.institutions["fixmedins_code"] == pop["fixmedins_code"].iloc[0], "inspectors"]
    assert all(f"检查员{i}" not in own.iloc[0] for i in range(3))
    load = pd.Series([n for team in result.institutions["inspectors"] for n in team.split("；")]).value_counts()
    assert load.max() - load.min() <= 1


@pytest.mark.parametrize("kwargs, message", [
    ({"share": 0}, "share"),
    ({"strata": ("region",)}, "lacks the column"),
    ({"weight_column": "risk_missing"}, "lacks the column"),
])
def test_bad_parameters_are_clear_errors(kwargs, message):
    with pytest.raises(AnalyticsError, match=message):
        draw(population(), **kwargs)


def test_duplicate_institution_is_named():
    pop = pd.concat([population(), population().iloc[[0]]])
    with pytest.raises(AnalyticsError, match=pop["fixmedins_code"].iloc[0]):
        draw(pop)


def test_cli_draws_records_and_writes_the_public_list_then_redraws_it(tmp_path):
    from typer.testing import CliRunner

    from analytics.cli import app

    pop = population().assign(fixmedins_name=lambda f: "机构" + f["fixmedins_code"])
    pop.to_csv(tmp_path / "institutions.csv", index=False)
    roster().to_csv(tmp_path / "roster.csv", index=False)
    args = ["sample", "--institutions", str(tmp_path / "institutions.csv"), "--inspectors",
            str(tmp_path / "roster.csv"), "--share", "0.1", "--strata", "peer_group"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "draws")])
    assert result.exit_code == 0, result.output
    record = next((tmp_path / "draws").glob("*.json"))
    assert json.loads(record.read_text(encoding="utf-8"))["source"] == {"file": str(tmp_path / "institutions.csv")}
    listing = pd.read_excel(next((tmp_path / "draws").glob("*公示名单.xlsx")), dtype=str)
    assert list(listing.columns) == ["机构编码", "机构名称", "抽取分层", "执法检查人员"]
    assert len(listing) == 1 + 1 + 3 + 6 and listing["执法检查人员"].str.contains("检查员").all()
    again = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "redo"), "--redraw", str(record)])
    assert again.exit_code == 0, again.output
    relisted = pd.read_excel(next((tmp_path / "redo").glob("*公示名单.xlsx")), dtype=str)
    assert relisted.equals(listing)


def test_cli_bad_input_is_one_paragraph_and_exit_2(tmp_path):
    from typer.testing import CliRunner

    from analytics.cli import app

    result = CliRunner().invoke(app, ["sample", "--institutions", str(tmp_path / "none.csv"),
                                      "--out", str(tmp_path / "out")])
    # the console wraps long paths: compare the paragraph with its line breaks folded
    assert result.exit_code == 2 and "no such institution file" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_cli_names_the_row_of_a_weight_that_is_not_a_number(tmp_path):
    from typer.testing import CliRunner

    from analytics.cli import app

    pop = population().astype({"risk": str})
    pop.loc[3, "risk"] = "高"
    pop.to_csv(tmp_path / "institutions.csv", index=False)
    result = CliRunner().invoke(app, ["sample", "--institutions", str(tmp_path / "institutions.csv"),
                                      "--weight-column", "risk", "--out", str(tmp_path / "out")])
    output = " ".join(result.output.split())
    assert result.exit_code == 2 and "row 4" in output and "'高'" in output
