"""The hour ledger: append-only entries, per person-year totals kept in step with them, the per person-year
lock that keeps caps true under concurrency, and the check that recomputes the totals from scratch."""
