import dagster as dg

# One partition per registered report, keyed by report id (added by the CLI and the report sensor).
reports_partitions = dg.DynamicPartitionsDefinition(name="reports")

# Every step that opens the warehouse runs in this pool; its limit (1) lets concurrent runs queue
# for DuckDB's single writer instead of failing on the file lock.
WAREHOUSE_POOL = "duckdb_warehouse"
