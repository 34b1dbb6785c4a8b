import dagster as dg

# One partition per registered report, keyed by report id (added by the CLI and the report sensor).
reports_partitions = dg.DynamicPartitionsDefinition(name="reports")

# Steps that write the warehouse take turns on a file lock (warehouse.warehouse_lock), not on a
# Dagster concurrency pool: a pool slot claimed by a run that died stays claimed.
