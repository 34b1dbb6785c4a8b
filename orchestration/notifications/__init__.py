"""Failure notifications (filled in by the operations work)."""
