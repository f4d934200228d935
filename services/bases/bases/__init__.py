"""The bases service: recognition, plans, inspections and funds of continuing-education bases (003)."""
