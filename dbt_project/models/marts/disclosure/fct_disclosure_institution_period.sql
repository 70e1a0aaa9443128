{#-
    Institution disclosure (医药费用、费用结构公开) per institution × finalised period × visit
    group, plus the published region totals (fixmedins_code 'all'), with small-cell and
    complementary suppression. Indicators are ratios of the sums of fct_institution_month
    (scheme 'all'), the same ratios that mart computes per month; 人数 is counted again over
    the period (a distinct count does not add up over months).

    Suppression (口径: _disclosure__docs.md, disclosure_suppression) is decided per institution ×
    visit group × calendar year, so a month, its quarter and its year are suppressed together
    and no published period total can reveal a suppressed month:
      1. small cell: any period of the year has fewer than min_cell_persons persons;
      2. complementary: when exactly one institution of a (year, visit group) is suppressed, the
         one with the fewest persons in the year among the others is suppressed too;
      3. a region total is suppressed for the year when it is a small cell itself or when in
         any period of the year exactly one of its institution cells is suppressed.
-#}
{%- set amounts = ['medfee_sumamt', 'fund_pay_sumamt', 'inscp_amt', 'drug_amt', 'consumable_amt',
                   'exam_amt', 'lab_amt'] -%}
{%- set counts = ['visits', 'discharges', 'los_days_sum'] -%}

with

institution_month as (

    select * from {{ ref('fct_institution_month') }}
    where scheme = 'all' and visit_group <> 'all'

),

settlements as (

    select fixmedins_code, setl_month, psn_no, setl_cnt, is_inpatient, visit_type
    from {{ ref('int_settlements') }}

),

institutions as (

    select * from {{ ref('dim_institutions') }}

),

periods as (

    select * from {{ ref('dim_disclosure_periods') }}

),

-- always one row: 10 persons (domain.md §5) when the seed lacks the parameter
cell_rule as (

    {{ disclosure_parameter('min_cell_persons', 10) }}

),

period_months as (

    select
        periods.period_type,
        periods.period_code,
        periods.period_start,
        periods.period_end,
        periods.period_end_month,
        periods.data_cutoff_date,
        cast(extract(year from periods.period_start) as {{ dbt.type_int() }}) as year
    from periods

),

-- Σ of the monthly sums of each institution × period × visit group, and of the region
{%- for level in ['institution', 'region'] %}

{{ level }}_sums as (

    select
        period_months.period_type,
        period_months.period_code,
        {% if level == 'institution' %}institution_month.fixmedins_code{% else %}'all'{% endif %}
                                                                        as fixmedins_code,
        institution_month.visit_group,
        {%- for column in counts %}
        cast(sum(institution_month.{{ column }}) as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        {%- for amount in amounts %}
        {{ sum_money('institution_month.' ~ amount) }}                  as {{ amount }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from period_months
    inner join institution_month
        on institution_month.setl_month between period_months.period_start
                                            and period_months.period_end_month
    group by
        period_months.period_type,
        period_months.period_code,
        {% if level == 'institution' %}institution_month.fixmedins_code,{% endif %}
        institution_month.visit_group

),

-- 人数 over the period: persons with a positive net 人次 (as fct_institution_month counts them)
{{ level }}_persons as (

    select
        period_type,
        period_code,
        fixmedins_code,
        visit_group,
        cast(sum(case when visits > 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as persons
    from (
        select
            period_months.period_type,
            period_months.period_code,
            {% if level == 'institution' %}settlements.fixmedins_code{% else %}'all'{% endif %}
                                                                        as fixmedins_code,
            {{ service_visit_group('settlements.is_inpatient', 'settlements.visit_type') }}
                                                                        as visit_group,
            settlements.psn_no,
            sum(settlements.setl_cnt)                                   as visits
        from period_months
        inner join settlements
            on settlements.setl_month between period_months.period_start
                                          and period_months.period_end_month
        group by 1, 2, 3, 4, 5
    ) as person_nets
    group by period_type, period_code, fixmedins_code, visit_group

),
{%- endfor %}

cells as (

    {%- for level in ['institution', 'region'] %}
    select
        {{ level }}_sums.*,
        coalesce({{ level }}_persons.persons, 0)                        as persons,
        {{ 'false' if level == 'institution' else 'true' }}             as is_total
    from {{ level }}_sums
    left join {{ level }}_persons
        on {{ level }}_sums.period_type = {{ level }}_persons.period_type
        and {{ level }}_sums.period_code = {{ level }}_persons.period_code
        and {{ level }}_sums.fixmedins_code = {{ level }}_persons.fixmedins_code
        and {{ level }}_sums.visit_group = {{ level }}_persons.visit_group
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

cells_with_year as (

    select
        cells.*,
        period_months.year,
        period_months.period_start,
        period_months.period_end,
        period_months.data_cutoff_date
    from cells
    inner join period_months
        on cells.period_type = period_months.period_type
        and cells.period_code = period_months.period_code

),

-- one suppression unit per institution (or region total) × visit group × calendar year
units as (

    select
        cells_with_year.fixmedins_code,
        cells_with_year.visit_group,
        cells_with_year.year,
        cells_with_year.is_total,
        max(case when cells_with_year.period_type = 'year' then cells_with_year.persons end)
                                                                        as year_persons,
        max(case when cells_with_year.persons < cell_rule.min_cell_persons then 1 else 0 end) = 1
                                                                        as is_small
    from cells_with_year
    cross join cell_rule
    group by cells_with_year.fixmedins_code, cells_with_year.visit_group, cells_with_year.year,
             cells_with_year.is_total

),

small_counts as (

    select
        visit_group,
        year,
        sum(case when is_small then 1 else 0 end)                       as small_institutions
    from units
    where not is_total
    group by visit_group, year

),

-- the second institution to suppress where exactly one is small
complement_ranks as (

    select
        units.fixmedins_code,
        units.visit_group,
        units.year,
        row_number() over (
            partition by units.visit_group, units.year
            order by coalesce(units.year_persons, 0), units.fixmedins_code
        )                                                               as complement_rank
    from units
    inner join small_counts
        on units.visit_group = small_counts.visit_group
        and units.year = small_counts.year
    where not units.is_total
        and not units.is_small
        and small_counts.small_institutions = 1

),

institution_suppression as (

    select
        units.fixmedins_code,
        units.visit_group,
        units.year,
        case
            when units.is_small then 'small_cell'
            when complement_ranks.complement_rank = 1 then 'complementary'
        end                                                             as suppression_reason
    from units
    left join complement_ranks
        on units.fixmedins_code = complement_ranks.fixmedins_code
        and units.visit_group = complement_ranks.visit_group
        and units.year = complement_ranks.year
    where not units.is_total

),

-- suppressed institution cells of each period's region total (an institution without
-- settlements in a period has no cell there, so the pair of the year can be broken)
period_suppressed as (

    select
        cells_with_year.visit_group,
        cells_with_year.year,
        cells_with_year.period_code,
        sum(case when institution_suppression.suppression_reason is not null then 1 else 0 end)
                                                                        as suppressed_cells
    from cells_with_year
    inner join institution_suppression
        on cells_with_year.fixmedins_code = institution_suppression.fixmedins_code
        and cells_with_year.visit_group = institution_suppression.visit_group
        and cells_with_year.year = institution_suppression.year
    group by cells_with_year.visit_group, cells_with_year.year, cells_with_year.period_code

),

-- a region total is suppressed for the year when it is small or when in any period of the
-- year exactly one of its cells is suppressed
total_suppression as (

    select
        units.fixmedins_code,
        units.visit_group,
        units.year,
        case
            when units.is_small then 'small_cell'
            when exists (
                select 1 from period_suppressed
                where period_suppressed.visit_group = units.visit_group
                    and period_suppressed.year = units.year
                    and period_suppressed.suppressed_cells = 1
            ) then 'complementary'
        end                                                             as suppression_reason
    from units
    where units.is_total

),

unit_suppression as (

    select * from institution_suppression
    union all
    select * from total_suppression

),

indicators as (

    select
        cells_with_year.*,
        unit_suppression.suppression_reason,
        -- the ratios of fct_institution_month over the period's sums (口径: _service__docs.md)
        {{ service_indicator('avg_medfee_per_visit') }}              as avg_medfee_per_visit,
        case when cells_with_year.visit_group = 'inpatient'
             then {{ service_indicator('avg_los_days') }} end       as avg_los_days,
        {{ service_indicator('avg_fund_pay_per_visit') }}            as avg_fund_pay_per_visit,
        {{ service_indicator('drug_ratio') }}                        as drug_ratio,
        {{ service_indicator('consumable_ratio') }}                  as consumable_ratio,
        {{ service_indicator('exam_lab_ratio') }}                    as exam_lab_ratio,
        {{ service_indicator('reimbursement_ratio') }}               as reimbursement_ratio,
        {{ service_indicator('inscp_fund_pay_ratio') }}              as inscp_fund_pay_ratio
    from cells_with_year
    inner join unit_suppression
        on cells_with_year.fixmedins_code = unit_suppression.fixmedins_code
        and cells_with_year.visit_group = unit_suppression.visit_group
        and cells_with_year.year = unit_suppression.year

),

final as (

    select
        -- grain
        indicators.period_type,
        indicators.period_code,
        indicators.fixmedins_code,
        indicators.visit_group,

        indicators.period_start,
        indicators.period_end,
        indicators.is_total,
        institutions.fixmedins_name,
        institutions.inst_type,
        institutions.peer_group_zh,

        -- suppression
        indicators.suppression_reason is not null                       as is_suppressed,
        indicators.suppression_reason,

        -- published values: null on a suppressed cell
        {%- for column in ['persons', 'visits', 'discharges', 'avg_medfee_per_visit', 'avg_los_days',
                           'avg_fund_pay_per_visit', 'drug_ratio', 'consumable_ratio',
                           'exam_lab_ratio', 'reimbursement_ratio', 'inscp_fund_pay_ratio'] %}
        case when indicators.suppression_reason is null
             then indicators.{{ column }} end                          as {{ column }},
        {%- endfor %}

        indicators.data_cutoff_date

    from indicators
    left join institutions
        on indicators.fixmedins_code = institutions.fixmedins_code

)

select * from final
