"""The token issuer: OAuth 2.0 grants, refresh-token rotation, revocation, signing keys and the JWKS."""
