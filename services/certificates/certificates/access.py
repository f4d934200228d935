"""Who may do what with certificates and statements. The roles are checked here; *whose* certificate a caller
may touch is the hours service's rule (``clients.hours``: the compliance read made with the caller's own token
answers 404 outside their scope), so that one rule decides who sees a person's hours, here and there.

=====================  ================================  =================================  =====================
role                   read a certificate / statement    issue a statement                  revoke / suspend
=====================  ================================  =================================  =====================
admin                  anyone's                          anyone's                           yes
hr_official            people in its region              people in its region               in its region
industry_official      people of its industry            people of its industry             of its industry
employer_admin         its staff's                       no (the HR authorities keep the    no
                                                         certificate, 000 art. 14)
person                 their own                         their own                          no
anyone                 —                                 —                                  — (verification and
                                                                                            status lists are
                                                                                            public)
=====================  ================================  =================================  =====================

Out of scope answers 404, as if the person did not exist.
"""

import uuid

from cekit.tokens import Principal
from certificates.errors import PersonNotFound

ADMIN = "admin"
HR = "hr_official"
INDUSTRY = "industry_official"
EMPLOYER = "employer_admin"
PERSON = "person"

CERTIFICATE_READERS = (ADMIN, HR, INDUSTRY, EMPLOYER, PERSON)
# The certificate is kept by the HR and industry authorities that certify its entries (000 art. 14); a person may
# ask for their own statement (for a title evaluation, a move to another province: 000 art. 15, 22).
STATEMENT_ISSUERS = (ADMIN, HR, INDUSTRY, PERSON)
STATUS_CHANGERS = (ADMIN, HR, INDUSTRY)


def only_own(principal: Principal, person_id: uuid.UUID) -> None:
    """A caller whose only role is ``person`` reaches their own certificate only; said here before any call out,
    with the same 404 the hours service would give."""
    if principal.has_role(ADMIN, HR, INDUSTRY, EMPLOYER):
        return
    try:
        own = uuid.UUID(principal.person_id or "")
    except ValueError:
        own = None
    if own != person_id:
        raise PersonNotFound(f"No person {person_id} whose certificate you may see.")
