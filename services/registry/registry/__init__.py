"""The registry: real-name identity, organisations, accounts, machine clients and the token issuer."""
