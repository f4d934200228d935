"""The hours service: the append-only hour ledger and each person's annual compliance."""
