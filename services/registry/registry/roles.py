"""Who a caller can be: the roles of user accounts and of machine clients (API.md, "Identity")."""

from enum import StrEnum


class Role(StrEnum):
    """The role of a user account; one per account."""

    ADMIN = "admin"
    HR_OFFICIAL = "hr_official"
    """人力资源社会保障部门: certifies public-subject records of its region."""
    INDUSTRY_OFFICIAL = "industry_official"
    """行业主管部门: certifies professional-subject records of its industry."""
    EMPLOYER_ADMIN = "employer_admin"
    """用人单位: first review (初审) of its staff's records."""
    INSTITUTION = "institution"
    """施教机构: a training institution's staff."""
    EXPERT = "expert"
    """评审专家: scores base applications."""
    PERSON = "person"
    """专业技术人员: the professional."""


class ClientRole(StrEnum):
    """The role of a machine client (client-credentials grant)."""

    INSTITUTION = "institution"
    """An institution's system pushing learning records."""
    PARTNER = "partner"
    """A partner province's system (Jing-Jin-Ji mutual recognition)."""
    SERVICE = "service"
    """One of our own services calling another."""
