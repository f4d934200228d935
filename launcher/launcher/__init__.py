"""The local launcher: one command brings up the platform on an embedded PostgreSQL."""
