"""`python -m analytics sample`: a 双随机 draw from the warehouse's institutions (or a CSV), with
its audit record and the public result list (一公开) as XLSX."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import duckdb
import pandas as pd
import typer

from analytics.errors import AnalyticsError
from analytics.targeting import sampling

PUBLIC_COLUMNS = {"fixmedins_code": "机构编码", "fixmedins_name": "机构名称", "stratum": "抽取分层",
                  "inspectors": "执法检查人员"}


def read_csv(path: Path, what: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise AnalyticsError(f"{path}: no such {what} file.") from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise AnalyticsError(f"{path}: cannot read the {what} file as UTF-8 CSV ({exc}).") from None


def warehouse_institutions(warehouse: Path) -> pd.DataFrame:
    """The institutions of dim_institutions with the columns a draw stratifies by."""
    if not warehouse.is_file():
        raise AnalyticsError(f"{warehouse}: no warehouse there; build it or pass --institutions FILE.csv.")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("""select fixmedins_code, fixmedins_name, inst_type, level_grade, peer_group, admdvs
                              from marts.dim_institutions order by fixmedins_code""").df()
    finally:
        con.close()


def public_list(result: sampling.Draw, names: pd.DataFrame) -> pd.DataFrame:
    """The result list to publish: institution, stratum, inspectors — nothing else."""
    sample = result.institutions.merge(names, on="fixmedins_code", how="left")
    stratum = sample[list(result.strata)].astype(str).agg("|".join, axis=1) if result.strata else "全部"
    sample = sample.assign(stratum=stratum, inspectors=sample.get("inspectors", ""))
    return sample[list(PUBLIC_COLUMNS)].rename(columns=PUBLIC_COLUMNS)


def sample_command(
    out: Annotated[Path, typer.Option(help="Folder for the draw record (JSON) and the public list (XLSX).")],
    share: Annotated[float, typer.Option(help="Share of each stratum to draw (0.1 = 10 %).")] = 0.10,
    strata: Annotated[str, typer.Option(help="Comma-separated columns to stratify by, e.g. peer_group,admdvs.")] = "peer_group",
    min_per_stratum: Annotated[int, typer.Option(help="Draw at least this many from each stratum.")] = 1,
    weight_column: Annotated[str, typer.Option(help="Column of selection weights (e.g. a risk score); empty: equal.")] = "",
    institutions: Annotated[Path | None, typer.Option(help="CSV of institutions instead of the warehouse's.")] = None,
    inspectors: Annotated[Path | None, typer.Option(help="CSV roster: inspector_id, name[, unit_code].")] = None,
    team_size: Annotated[int, typer.Option(help="Inspectors per sampled institution.")] = 2,
    seed: Annotated[int | None, typer.Option(help="Seed; omitted: drawn at random and recorded.")] = None,
    redraw: Annotated[Path | None, typer.Option(help="Re-run this recorded draw (JSON) instead of a new one.")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="Warehouse file (default $YIBAO_WAREHOUSE).")] = None,
):
    """Draw institutions to inspect (双随机), record the draw and write the public result list."""
    from analytics.cli import user_errors
    from ingest import settings

    with user_errors():
        warehouse = warehouse or settings.warehouse_path()
        population = read_csv(institutions, "institution") if institutions else warehouse_institutions(warehouse)
        source = ({"file": str(institutions)} if institutions
                  else {"warehouse": str(warehouse), "table": "marts.dim_institutions"})
        if weight_column and weight_column in population:
            weights = pd.to_numeric(population[weight_column], errors="coerce")
            bad = population.index[weights.isna()]
            if len(bad):
                raise AnalyticsError(f"Column {weight_column}, row {bad[0] + 1}: "
                                     f"{population.at[bad[0], weight_column]!r} is not a number.")
            population[weight_column] = weights
        roster = read_csv(inspectors, "inspector roster") if inspectors else None
        if redraw:
            result = sampling.redraw(json.loads(redraw.read_text(encoding="utf-8")), population, roster)
        else:
            result = sampling.draw(population, share=share, strata=tuple(s for s in strata.split(",") if s),
                                   min_per_stratum=min_per_stratum, weight_column=weight_column or None,
                                   inspectors=roster, team_size=team_size, seed=seed, source=source)
        record = sampling.save(result, out) if not redraw else None
        names = population[["fixmedins_code", *(["fixmedins_name"] if "fixmedins_name" in population else [])]]
        listing = out / f"{result.draw_id}-公示名单.xlsx"
        out.mkdir(parents=True, exist_ok=True)
        public_list(result, names).to_excel(listing, index=False, sheet_name="双随机抽查结果")
    typer.echo(f"drew {len(result.institutions)} of {result.population_size} institutions, seed {result.seed}")
    if record:
        typer.echo(f"draw record: {record}")
    typer.echo(f"public list: {listing}")


def register(app: typer.Typer) -> None:
    """Add the `sample` command to a Typer app (the analytics CLI)."""
    app.command("sample")(sample_command)
