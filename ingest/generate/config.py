"""Calibration parameters of the synthetic county, as data (domain.md §6.4 targets).

Every number an analyst might want to tune lives here; the modules only read it.
"""

from __future__ import annotations

# ------------------------------------------------------------------ population --------------
# Age pyramid of a central-China county (2022), weight per 5-year band 0-4 ... 95-99.
AGE_BAND_WEIGHTS = (4.2, 5.6, 6.0, 5.4, 4.6, 5.2, 6.4, 7.0, 6.2, 6.6,
                    8.0, 8.4, 7.4, 7.0, 5.8, 3.8, 2.4, 1.2, 0.45, 0.1)
MALE_SHARE = 0.51
# Scheme mix: 职工 (310) drawn among working-age (在职) and elderly (退休) people.
P_EMPLOYED_WORKING_AGE = 0.19     # share of people aged 20..retirement who are 职工在职
P_RETIREE_ELDERLY = 0.115          # share of people past retirement age who are 职工退休
RETIRE_AGE_MALE = 60
RETIRE_AGE_FEMALE = 55
EMPLOYEE_SUBTYPES = (("1101", "1201", 0.78), ("1102", "1202", 0.06), ("1103", "1203", 0.16))
P_POOR = 0.045                     # 特困/低保 residents (医疗救助 maf_pay)
ANNUAL_DEATH_RATE_BY_BAND = (0.0015, 0.0002, 0.0002, 0.0004, 0.0005, 0.0006, 0.0008, 0.0012,
                             0.0017, 0.0025, 0.0038, 0.0058, 0.009, 0.014, 0.023, 0.038,
                             0.065, 0.11, 0.18, 0.28)
BIRTH_RATE = 0.0072                # newborns per insured per year (join 居民 at birth)
NEW_INSURED_RATE = 0.018           # people joining per year (return migrants, new employees)
STOP_RATE = 0.015                  # relations stopped per year (left the county / 断保)

# ------------------------------------------------------------------ contributions -----------
RESIDENT_INDIVIDUAL = {2020: 280, 2021: 320, 2022: 350, 2023: 380, 2024: 400, 2025: 400,
                       2026: 400, 2027: 420, 2028: 440}
# National minimum fiscal subsidy plus a provincial top-up of about 40 元.
RESIDENT_SUBSIDY = {2020: 590, 2021: 620, 2022: 650, 2023: 680, 2024: 710, 2025: 740,
                    2026: 764, 2027: 790, 2028: 810}
RESIDENT_SERIOUS_ILLNESS_SHARE = 0.055   # part of resident funding allocated to 大病保险 (390200)
EMPLOYEE_BASE_MONTHLY = 6300.0           # average contribution base in the first year
EMPLOYEE_BASE_GROWTH = 0.035
EMPLOYER_RATE = 0.07                     # all to 统筹 after the 门诊共济 reform
EMPLOYEE_RATE = 0.02                     # to the personal account
RETIREE_ACCOUNT_MONTHLY = 95.0           # 统筹 → 退休 personal account transfer per retiree
BIG_AMOUNT_ANNUAL = 90.0                # 大额补助 per 职工 per year (330100)
INTEREST_RATE_MONTHLY = 0.0011
# Opening accumulated balance (期初累计结余) of each fund, in months of its first-year expenditure.
OPENING_RESERVE_MONTHS = {"310100": 20, "310200": 30, "330100": 6, "390100": 8, "390200": 4,
                          "610100": 3}
MAF_PER_POOR_YEAR = 450.0                # 医疗救助 income per poor resident (finance transfers)

# ------------------------------------------------------------------ utilisation --------------
# Age bands used for rates: 0-4, 5-17, 18-44, 45-59, 60-74, 75+.
AGE_EDGES = (5, 18, 45, 60, 75)
IPT_RATE = (0.15, 0.048, 0.08, 0.14, 0.285, 0.43)        # stays per person-year
OTP_RATE = (5.0, 2.2, 1.8, 2.6, 3.8, 4.2)               # 普通门诊 visits per person-year
ER_RATE = (0.12, 0.05, 0.04, 0.05, 0.07, 0.1)
PHARM_RATE_RESIDENT = (0.2, 0.3, 0.8, 1.2, 1.4, 1.3)
PHARM_RATE_EMPLOYEE = (0.0, 0.0, 5.0, 7.0, 9.0, 9.0)
CHRONIC_PREV = (0.0, 0.0, 0.01, 0.07, 0.17, 0.22)       # 门诊慢特病 certified share
DIALYSIS_PREV = 0.0005
DAY_SURGERY_RATE = (0.0, 0.0, 0.0005, 0.002, 0.008, 0.009)
EMPLOYEE_IPT_FACTOR = 1.2               # 职工 vs 居民 at the same age
RETIREE_IPT_FACTOR = 1.45
RETIREE_COST_FACTOR = 1.25
EMPLOYEE_OTP_FACTOR = 1.6
FRAILTY_SHAPE = 1.4                      # gamma frailty: heterogeneity of use between persons
UTILISATION_GROWTH = 0.04                 # per year
PRICE_GROWTH = 0.045                     # per year on service and drug amounts

# Monthly seasonality (Jan..Dec) and the Spring Festival dip (±days, factor).
MONTH_WEIGHTS = (1.10, 0.95, 1.00, 0.96, 0.95, 0.92, 0.94, 0.96, 0.97, 0.95, 1.04, 1.16)
SPRING_DIP_DAYS = 7
SPRING_DIP_FACTOR = 0.55
DECEMBER_SETTLEMENT_BUMP = 1.12          # extra December outpatient settlements (year-end rush)

# ------------------------------------------------------------------ provider choice ---------
# Inpatient level choice: township 卫生院, county 二级, city 三级 (local), province 三级 (pay_loc 3),
# other province (pay_loc 4).
IPT_LEVEL_SHARE = (0.28, 0.41, 0.13, 0.13, 0.05)
IPT_LOS = (5.8, 7.6, 9.6, 9.8, 10.2)     # mean LOS by level class
IPT_COST = (3300.0, 5900.0, 11500.0, 14000.0, 17000.0)    # mean cost per stay (first year)
IPT_DRUG_SHARE = (0.30, 0.26, 0.22, 0.22, 0.21)
IPT_CONS_SHARE = (0.13, 0.19, 0.23, 0.24, 0.25)
P_IPT_DAYS_NULL = 0.06                   # ipt_days left empty on some records

# ------------------------------------------------------------------ benefit policy ----------
# Inpatient deductible (起付线, yuan) and 统筹 ratio over in-scope cost, by level class.
DEDUCTIBLE = {"390": (200, 500, 800, 1000, 1200), "310": (300, 600, 900, 1200, 1500)}
RATIO = {"390": (0.81, 0.72, 0.60, 0.51, 0.47), "310": (0.95, 0.92, 0.88, 0.85, 0.82)}
RETIREE_RATIO_BONUS = 0.03
SERIOUS_ILLNESS_THRESHOLD = 5000.0       # 居民大病: per-stay proxy of the annual threshold
SERIOUS_ILLNESS_RATIO = 0.60
BIG_AMOUNT_THRESHOLD = 25000.0           # 职工大额: per-stay proxy (in-scope cost above this)
BIG_AMOUNT_RATIO = 0.85
CIVIL_SERVANT_RATIO = 0.5                # 公务员补助 share of the personal in-scope burden
MAF_RATIO = 0.6                          # 医疗救助 share of the remaining burden (poor persons)
# Outpatient 门诊统筹 ratio by level class (no deductible), per-visit cap (yuan).
OTP_RATIO = {"390": (0.45, 0.45, 0.35, 0.0, 0.0), "310": (0.65, 0.60, 0.50, 0.0, 0.0)}
OTP_CAP = 80.0
CHRONIC_RATIO = {"390": 0.50, "310": 0.75}
PHARMACY_POOLING_SHARE_RESIDENT = 0.25   # share of resident pharmacy purchases under 门诊统筹
PHARMACY_POOLING_RATIO = 0.5
EMPLOYEE_ACCT_SHARE_OTP = 0.85           # 职工 outpatient personal part paid from the account
EMPLOYEE_ACCT_SHARE_IPT = 0.25

# ------------------------------------------------------------------ refunds -----------------
REFUND_RATE = 0.015
RESETTLE_SHARE = 0.7

# ------------------------------------------------------------------ budget ------------------
BUDGET_GROWTH = (0.03, 0.08)
BUDGET_TIGHT_SHARE = 0.2                 # institutions given a tight budget (will overrun)
BUDGET_TIGHT_FACTOR = (0.85, 0.95)

# ------------------------------------------------------------------ violations --------------
SPLIT_ADMISSION_RATE_FRAUD = 0.30        # share of stays split at fraud_split_admission hospitals
SPLIT_ADMISSION_RATE_BACKGROUND = 0.01
GHOST_BED_RATE_FRAUD = 0.5
GHOST_BED_RATE_BACKGROUND = 0.006
LOW_STANDARD_RATE_FRAUD = 0.15           # 低标准入院 stays per ordinary stay at the ghost-bed 卫生院
LOW_STANDARD_RATE_BACKGROUND = 0.005     # … and at the other 卫生院
RULE_HIT_STAY_RATE_FRAUD = 0.40          # stays with a drug/item 两库 hit at fraud_rule_hits institutions
RULE_HIT_STAY_RATE_BACKGROUND = 0.02
FREQ_STAY_RATE_FRAUD = 0.65             # stays with daily charges doubled on most days
FREQ_STAY_RATE_BACKGROUND = 0.20
# Injected-only 两库 families (their codes never appear on clean claims except 奥扎格雷钠 ≤14 days);
# background rates apply at every hospital.
INSUTYPE_VISIT_RATE_FRAUD = 0.01         # outpatient visits billing a 工伤-only drug to 医保
INSUTYPE_VISIT_RATE_BACKGROUND = 0.0005
DRUG_COURSE_STAY_RATE_FRAUD = 0.6        # neuro stays ≥15 days with 奥扎格雷钠 on every day
DRUG_COURSE_STAY_RATE_BACKGROUND = 0.25
DRUG_COURSE_LEGIT_RATE = 0.3             # neuro stays with 奥扎格雷钠 for ≤14 days (clean)
ITEM_AGE_STAY_RATE_FRAUD = 0.15          # ortho/neuro stays of persons ≥62 with 职业功能训练
ITEM_AGE_STAY_RATE_BACKGROUND = 0.005
SECONDARY_OP_RATE_FRAUD = 0.5            # 胆囊切除术 stays with a second 肝胆 operation at full price
SECONDARY_OP_RATE_BACKGROUND = 0.15
# 门诊康复 after a neuro/ortho stay at a local hospital or 卫生院: one series of outpatient 康复医学科
# visits (every 1-2 days) with a 30-day training item (两库 8-3); over-long series break the course.
ITEM_COURSE_SERIES_RATE_FRAUD = 0.5      # stays followed by a series longer than the course
ITEM_COURSE_SERIES_RATE_BACKGROUND = 0.03
ITEM_COURSE_LEGIT_RATE = 0.15            # stays followed by a series within the course (clean)
ITEM_COURSE_OVER_EXTRA_DAYS = (5, 16)    # days of use beyond the course in an over-long series ([lo, hi))
OTP_DURING_STAY_RATE = 0.01
MULTI_INSTITUTION_DAY_RATE = 0.002       # persons-years with a same-day ≥3-institution cluster
POST_DEATH_SHARE = 0.08                  # share of deceased persons with claims after death
UPCODING_SHARE = 0.75                    # share of 骨科/吻合器 consumables shifted at fraud_upcoding
VOLUME_INFLATION = (0.30, 0.18, 0.08)    # extra visits and cost at the fraud_volume institutions
HOARDING_PERSONS = 60                    # persons buying repeatedly at the fraud_hoarding pharmacy
HOARDING_PENS = (10, 21)                 # insulin pens per hoarding purchase (75-150 days of supply)
CHRONIC_INSULIN_SHARE = 0.35             # chronic diabetes patients refilling insulin at their monthly visit (clean)
CHRONIC_INSULIN_PENS = 2                 # pens per monthly refill: 15 days at the WHO DDD, inside the over-supply tolerance
