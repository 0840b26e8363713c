-- wangge schema, PostgreSQL flavour: the value tiers (top 5 % / 20 % of the own
-- customers by monthly spend) are read on every claim that checks a
-- customer limit. Without this index each claim sorted every customer.
-- Kept equal to migrations/sqlite/0006_spend_index.sql.
CREATE INDEX customers_own_spend ON customers (other_operator, monthly_spend_yuan);
