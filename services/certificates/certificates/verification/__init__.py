"""Verification of statements — ours and, through the trusted-issuer resolver, partner provinces' — as a report of
checks: format, issuer trusted, signature, validity dates, status, subject."""
