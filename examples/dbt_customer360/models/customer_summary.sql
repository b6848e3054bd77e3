{{ config(materialized='incremental', unique_key='customer_id', on_schema_change='fail') }}
select
    c.customer_id,
    c.full_name,
    c.email,
    coalesce(o.orders, 0) as orders,
    coalesce(o.revenue, 0) as revenue,
    case when coalesce(o.revenue, 0) >= 100 then 'gold' else 'standard' end as tier
from {{ source('sales', 'bronze_crm_customers') }} as c
left join {{ ref('customer_orders') }} as o using (customer_id)
