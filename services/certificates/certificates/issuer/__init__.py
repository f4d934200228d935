"""This deployment as an issuer of credentials: its public keys and its metadata."""
