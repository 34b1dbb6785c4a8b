"""Dagster sensors that turn run failures into notifications (filled in by the operations work)."""

sensors: list = []
