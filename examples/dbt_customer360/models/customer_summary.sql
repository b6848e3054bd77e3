{{ config(materialized='incremental', unique_key='customer_id', on_schema_change='fail') }}
select
    c.customer_id,
    c.full_name,
    c.email,
    coalesce(o.orders, 0) as orders,
    coalesce(o.revenue, 0) as revenue
from {{ source('sales', 'bronze_crm_customers') }} as c
left join {{ ref('customer_orders') }} as o using (customer_id)
