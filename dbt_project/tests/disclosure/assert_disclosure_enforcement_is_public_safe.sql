{#
    The supervision results of the disclosure publish institutions only (口径:
    disclosure_violation, disclosure_random_inspection):
      1. neither mart has a column that could carry personal data (person, doctor, inspector,
         tip or reporter codes, names, ID numbers, contact data, free-text findings);
      2. every violation row is a closed case (case_status 4) whose subject is an institution
         (subject_type 1) and is that institution;
      3. every inspection row is a random inspection (insp_type 4) of that institution.
    Returns the failing columns or rows with the check that failed.
#}
{%- set personal = ['psn', 'certno', 'cert_no', 'name_', 'psn_name', 'tel', 'addr', 'subject_code',
                    'subject_type', 'dr_', 'doctor', 'inspector', 'tip_id', 'reporter', 'findings'] -%}
{%- set marts = ['fct_disclosure_violation', 'fct_disclosure_random_inspection'] -%}
with

violations as (

    select * from {{ ref('fct_disclosure_violation') }}

),

inspections_published as (

    select * from {{ ref('fct_disclosure_random_inspection') }}

),

cases as (

    select * from {{ ref('stg_enforcement_cases') }}

),

inspections as (

    select * from {{ ref('stg_inspections') }}

),

personal_columns as (

    select cast(null as {{ dbt.type_string() }}) as failed_row, cast(null as {{ dbt.type_string() }}) as failed_check
    where 1 = 0
    {%- if execute %}
    {%- for mart in marts %}
    {%- for column in adapter.get_columns_in_relation(ref(mart)) %}
    {%- set name = column.name | lower %}
    {%- if name != 'fixmedins_name' and (personal | select('in', name) | list) %}
    union all
    select '{{ mart }}.{{ name }}', 'personal-data column'
    {%- endif %}
    {%- endfor %}
    {%- endfor %}
    {%- endif %}

),

failures as (

    select * from personal_columns

    union all

    select violations.case_id, 'violation row not a closed case against this institution'
    from violations
    left join cases
        on violations.case_id = cases.case_id
    where cases.case_id is null
        or cases.subject_type <> '1'
        or cases.case_status <> '4'
        or cases.subject_code <> violations.fixmedins_code

    union all

    select inspections_published.insp_id, 'inspection row not a random inspection of this institution'
    from inspections_published
    left join inspections
        on inspections_published.insp_id = inspections.insp_id
    where inspections.insp_id is null
        or inspections.insp_type <> '4'
        or inspections.fixmedins_code <> inspections_published.fixmedins_code

)

select * from failures
