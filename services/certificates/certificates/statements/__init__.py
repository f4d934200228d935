"""Signed annual statements: W3C verifiable credentials (vc+jwt) of a person's year, their revocation and
suspension."""
