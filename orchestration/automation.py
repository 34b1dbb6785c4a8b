"""Schedules and sensors that run the pipeline without anyone watching (filled in by the operations work)."""

schedules: list = []
sensors: list = []
