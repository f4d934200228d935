"""Domain errors of recognitions, each with its HTTP status and a stable ``code``.

A credential that cannot be recognised is refused with 422 and a code that says why — ``own_credential``,
``issuer_not_partner``, ``credential_invalid``, ``credential_revoked``, ``credential_suspended``,
``credential_expired``, ``id_number_mismatch`` — and, once it was verified, the verification report in the
problem's ``verification`` member. A partner out of reach is 503 ``partner_unreachable`` (retry), never a refusal.
"""

from typing import Any

from cekit.problems import NotFound, ServiceUnavailable, Unprocessable


class RecognitionNotFound(NotFound):
    code = "recognition_not_found"


class CredentialRefused(Unprocessable):
    """The credential cannot be recognised (``code`` says why; ``verification`` is the report)."""

    code = "credential_invalid"


class NothingToRecognise(Unprocessable):
    code = "nothing_to_recognise"


class PersonIdRequired(Unprocessable):
    code = "person_id_required"


class PartnerUnreachable(ServiceUnavailable):
    """The partner's keys or status list are out of reach: the credential could not be decided. Retry later."""

    code = "partner_unreachable"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail, headers={"Retry-After": "60"}, **extensions)
