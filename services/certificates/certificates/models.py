"""Tables of the certificates service (its own database)."""

from cekit.audit import audit_table
from cekit.db import make_metadata
from cekit.idempotency import idempotency_table

metadata = make_metadata()
audit_event = audit_table(metadata)
idempotency_record = idempotency_table(metadata)
