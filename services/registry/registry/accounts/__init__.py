"""User accounts: who may log in with a password, with which role and on behalf of which organisation."""
