"""Bulk import of people, employers and institutions from CSV and XLSX files (API and command line).

``readers`` turns a file into a header and rows with the line numbers a person sees; ``columns`` turns a row's
cells into the fields of the single-object API; ``service`` imports the rows through the people and
organisation use cases, so validation, encryption and audit are those of ``POST /v1/persons`` and friends.
"""
