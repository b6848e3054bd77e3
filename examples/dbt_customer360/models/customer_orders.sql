select
    customer_id,
    count(*) as orders,
    sum(amount) as revenue
from {{ source('sales', 'silver_orders') }}
group by customer_id
