"""The human verification page behind the printed QR code: ``GET /verify/{code}`` (API.md, "human check"). It
verifies the certificate's latest (or a named) signed statement with the service's verifier and shows the
verdict with masked particulars only (000 art. 14: the certificate number is the ID number)."""
