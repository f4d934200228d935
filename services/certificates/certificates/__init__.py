"""The certificates service: signed e-certificates, verification and mutual recognition."""
