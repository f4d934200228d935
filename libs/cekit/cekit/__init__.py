"""Shared infrastructure for the continuing-education services.

Infrastructure only: no ORM models, no schemas of a service, no business rules.
"""
