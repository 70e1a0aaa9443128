"""Designated institutions (fixmedins_b) of the county and the hospitals its people travel to.

Also decides, reproducibly, which institutions are fraudulent (and how) and which one is the
legitimate-but-unusual hospital; the roles go to truth/institutions.csv.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from . import reference as R
from .util import const_str, dates, day_of, rng_for, take_str

# Level classes used throughout the generator.
TOWNSHIP, COUNTY, CITY, PROVINCE, OTHER_PROVINCE, VILLAGE, PHARMACY = range(7)
# Price factor of service items by level class (drugs and consumables: zero mark-up).
ITEM_PRICE_FACTOR = np.array([0.85, 1.0, 1.12, 1.18, 1.3, 0.8, 1.0])
CONS_PRICE_FACTOR = np.array([1.0, 1.0, 1.0, 1.12, 1.12, 1.0, 1.0])


@dataclass
class Institutions:
    code: list[str]
    name: list[str]
    fixmedins_type: list[str]
    medins_type: list[str]
    hosp_lv: list[str]
    admdvs: list[str]
    beds: list[int | None]
    grst: list[str | None]
    biznat: list[str]
    cred_lv: list[str | None]
    begndate: list[str]
    enddate: list[str | None]
    lclass: np.ndarray                 # level class per institution
    township: np.ndarray               # township index for local primary care, else -1
    pay_loc: np.ndarray                # 1..4 as int
    role: list[str] = field(default_factory=list)
    note: list[str] = field(default_factory=list)
    cost_factor: np.ndarray | None = None
    los_factor: np.ndarray | None = None
    drug_factor: np.ndarray | None = None
    tcm: np.ndarray | None = None      # traditional-Chinese-medicine hospital

    @property
    def n(self) -> int:
        return len(self.code)

    def index(self, role: str) -> list[int]:
        return [i for i, r in enumerate(self.role) if r == role]

    def by_name_part(self, part: str) -> int:
        return next(i for i, n in enumerate(self.name) if part in n)


def build_institutions(n0: int, seed: int, start_year: int) -> Institutions:
    """Institutions scaled to a county of n0 insured persons."""
    rng = rng_for(seed, 3)
    towns = R.townships_for(n0)
    county = R.COUNTY["admdvs"]
    rows: list[dict] = []
    serial: dict[str, int] = {}

    def add(prefix: str, admdvs: str, name: str, ftype: str, mtype: str, lv: str, lclass: int,
            beds: int | None, grst: str | None, biznat: str, township: int = -1, pay_loc: int = 2,
            tcm: bool = False, begin: str = "2016-01-01", end: str | None = None) -> None:
        key = prefix + admdvs
        serial[key] = serial.get(key, 0) + 1
        code = f"{prefix}{admdvs}{serial[key] * 7 + 100:05d}"
        rows.append(dict(code=code, name=name, ftype=ftype, mtype=mtype, lv=lv, lclass=lclass,
                         beds=beds, grst=grst, biznat=biznat, township=township, pay_loc=pay_loc,
                         tcm=tcm, admdvs=admdvs, begin=begin, end=end))

    cname = R.COUNTY["city"] + R.COUNTY["name"]
    # County hospitals (二级).
    add("H", county, f"{cname}人民医院", "1", "A", "05", COUNTY, 860, "0", "1")
    add("H", county, f"{cname}中医院", "1", "A", "05", COUNTY, 420, "0", "1", tcm=True)
    if n0 >= 100_000:
        add("H", county, f"{cname}第二人民医院", "1", "A", "06", COUNTY, 320, "0", "1")
    add("H", county, f"{R.COUNTY['name']}仁爱医院", "1", "A", "13", COUNTY, 150, "0", "2",
        begin="2019-07-01")
    # Township health centres / community centres (one per township).
    for t, (tname, street) in enumerate(towns):
        if street:
            add("H", county, f"{cname}{tname}社区卫生服务中心", "1", "B", "14", TOWNSHIP,
                int(rng.integers(15, 40)), "1", "1", township=t)
        else:
            lv = ("08", "09", "14")[int(rng.integers(0, 3))]
            add("H", county, f"{cname}{tname}中心卫生院" if t % 3 == 1 else f"{cname}{tname}卫生院",
                "1", "C", lv, TOWNSHIP, int(rng.integers(30, 90)), "1", "1", township=t)
    # Village clinics and private clinics.
    n_village = max(8, round(n0 / 2000))
    for k in range(n_village):
        t = k % len(towns)
        stem = R.VILLAGE_STEMS[(k * 7) % len(R.VILLAGE_STEMS)]
        tname = towns[t][0].replace("街道", "").replace("镇", "").replace("乡", "")
        name = f"{tname}{stem}社区卫生服务站" if towns[t][1] else f"{tname}镇{stem}村卫生室"
        if not towns[t][1] and towns[t][0].endswith("乡"):
            name = f"{tname}乡{stem}村卫生室"
        add("H", county, name, "1", "D", ("11", "14")[k % 2], VILLAGE, None, "1", "1", township=t)
    n_clinic = max(2, round(n0 / 12000))
    for k in range(n_clinic):
        t = (k * 3) % len(towns)
        surname = R.SURNAMES[(k * 11) % len(R.SURNAMES)]
        add("H", county, f"{cname}{surname}氏诊所" if k % 2 else f"{cname}{towns[t][0]}康宁诊所",
            "1", "D", "11", VILLAGE, None, "1", "2", township=t, begin="2020-03-01")
    # Retail pharmacies.
    n_pharm = max(6, round(n0 / 2800))
    for k in range(n_pharm):
        t = k % len(towns)
        brand = R.PHARMACY_BRANDS[k % len(R.PHARMACY_BRANDS)]
        begin = "2018-05-01" if k % 5 else f"{start_year}-0{1 + k % 9}-01"
        end = f"{start_year + 1}-06-30" if k % 23 == 22 else None
        add("P", county, f"{brand}({towns[t][0]}{k // len(R.PHARMACY_BRANDS) + 1}店)", "2", "",
            "11", PHARMACY, None, None, "2", township=t, begin=begin, end=end)
    # City (same 统筹区, pay_loc 2), province (3) and other provinces (4).
    city = R.CITY_ADMDVS
    add("H", city, f"{R.COUNTY['city']}人民医院", "1", "A", "02", CITY, 2200, "0", "1")
    add("H", city, f"{R.COUNTY['city']}中医院", "1", "A", "03", CITY, 900, "0", "1", tcm=True)
    add("H", city, f"{R.COUNTY['city']}肿瘤医院", "1", "A", "12", CITY, 600, "0", "1")
    add("H", R.PROVINCE_ADMDVS, "安徽省立医院", "1", "A", "02", PROVINCE, 5200, "0", "1", pay_loc=3)
    add("H", R.PROVINCE2_ADMDVS, "安徽医科大学第一附属医院", "1", "A", "02", PROVINCE, 4800, "0", "1",
        pay_loc=3)
    add("H", R.OTHER_PROVINCE_ADMDVS[0], "复旦大学附属中山医院", "1", "A", "02", OTHER_PROVINCE, 3000,
        "0", "1", pay_loc=4)
    add("H", R.OTHER_PROVINCE_ADMDVS[1], "江苏省人民医院", "1", "A", "02", OTHER_PROVINCE, 4100, "0",
        "1", pay_loc=4)
    add("H", R.OTHER_PROVINCE_ADMDVS[2], "浙江大学医学院附属第一医院", "1", "A", "02", OTHER_PROVINCE,
        4000, "0", "1", pay_loc=4)

    n = len(rows)
    inst = Institutions(
        code=[r["code"] for r in rows], name=[r["name"] for r in rows],
        fixmedins_type=[r["ftype"] for r in rows], medins_type=[r["mtype"] for r in rows],
        hosp_lv=[r["lv"] for r in rows], admdvs=[r["admdvs"] for r in rows],
        beds=[r["beds"] for r in rows], grst=[r["grst"] for r in rows],
        biznat=[r["biznat"] for r in rows],
        cred_lv=[("AAA", "AA", "A")[int(x)] for x in rng.integers(0, 3, n)],
        begndate=[r["begin"] for r in rows], enddate=[r["end"] for r in rows],
        lclass=np.array([r["lclass"] for r in rows], dtype=np.int8),
        township=np.array([r["township"] for r in rows], dtype=np.int32),
        pay_loc=np.array([r["pay_loc"] for r in rows], dtype=np.int8),
        tcm=np.array([r["tcm"] for r in rows]),
    )
    assign_roles(inst)
    return inst


def assign_roles(inst: Institutions) -> None:
    """Fix who commits which fraud (deterministic), and the legit-unusual hospital."""
    n = inst.n
    role = ["clean"] * n
    note = [""] * n
    inst.cost_factor = np.ones(n)
    inst.los_factor = np.ones(n)
    inst.drug_factor = np.ones(n)

    def first(lclass: int, mtype: str | None = None, skip: int = 0) -> int:
        idx = [i for i in range(n) if inst.lclass[i] == lclass and role[i] == "clean"
               and (mtype is None or inst.medins_type[i] == mtype)]
        return idx[min(skip, len(idx) - 1)]

    onc = inst.by_name_part("肿瘤医院")
    role[onc] = "legit_unusual"
    note[onc] = "oncology hospital: high cost per stay, long stays, high drug share — legitimate"
    inst.cost_factor[onc], inst.los_factor[onc], inst.drug_factor[onc] = 1.35, 1.3, 1.55

    private = inst.by_name_part("仁爱医院")
    role[private] = "fraud_split_admission"
    note[private] = "分解住院 (discharge and readmission within 15 days, same diagnosis) and some 挂床"
    main = inst.by_name_part("人民医院")
    role[main] = "fraud_upcoding"
    note[main] = "串换: imported 骨科 plates / staplers billed where domestic ones were used"
    ghost = first(TOWNSHIP, "C", 1)
    role[ghost] = "fraud_ghost_bed"
    note[ghost] = "挂床住院: stays with only bed, nursing and 诊查 charges; 低标准入院: 1-3 day check-up stays, mild diagnosis"
    rules = first(TOWNSHIP, "C", 0)
    role[rules] = "fraud_rule_hits"
    note[rules] = ("两库 hits: level-2 drugs at a 卫生院, repeated charging, frequency over limit, drug course, "
                   "item age, insutype, secondary operations at full price")
    for k, extra in enumerate((0.30, 0.18, 0.08)):
        i = first(VILLAGE, "D", 2 + k * 3)
        role[i] = "fraud_volume"
        note[i] = f"volume inflation: about +{int(extra * 100)} % visits per person and cost per visit"
        inst.cost_factor[i] = 1 + extra
    pharm = first(PHARMACY)
    role[pharm] = "fraud_hoarding"
    note[pharm] = "聚敛/超量开药: many persons buying large quantities of the same drug repeatedly"
    ghost_claims = first(VILLAGE, "D", 0)
    role[ghost_claims] = "fraud_ghost_claims"
    note[ghost_claims] = "claims for dead persons and same-day multi-institution card use"
    inst.role, inst.note = role, note


def fixmedins_table(inst: Institutions) -> pa.Table:
    """fixmedins_b rows."""
    n = inst.n
    begin = np.array([day_of(d) for d in inst.begndate])
    end_valid = np.array([d is not None for d in inst.enddate])
    end = np.array([day_of(d) if d else 0 for d in inst.enddate])
    return pa.table({
        "fixmedins_code": pa.array(inst.code), "fixmedins_name": pa.array(inst.name),
        "fixmedins_type": pa.array(inst.fixmedins_type),
        "medins_type": pa.array([m or None for m in inst.medins_type], pa.string()),
        "hosp_lv": pa.array(inst.hosp_lv), "admdvs": pa.array(inst.admdvs),
        "aprv_bed_cnt": pa.array(inst.beds, pa.int32()), "grst_hosp_flag": pa.array(inst.grst, pa.string()),
        "biznat": pa.array(inst.biznat), "cred_lv": pa.array(inst.cred_lv),
        "begndate": dates(begin), "enddate": dates(end, end_valid), "vali_flag": const_str("1", n),
    })


def roles_table(inst: Institutions) -> pa.Table:
    """truth/institutions.csv rows."""
    return pa.table({"fixmedins_code": pa.array(inst.code), "fixmedins_name": pa.array(inst.name),
                     "role": pa.array(inst.role), "note": pa.array(inst.note)})


def names_array(inst: Institutions) -> pa.Array:
    return pa.array(inst.name, pa.string())


def take_inst(values: list[str], idx: np.ndarray) -> pa.Array:
    return take_str(values, idx)
