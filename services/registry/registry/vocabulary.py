"""The closed vocabularies of real-name identity: organisation types and kinds, authority levels, title levels.

The values are the API's (API.md, "Identity"); each is stored as a VARCHAR with a CHECK constraint.
"""

from enum import StrEnum


class OrganisationType(StrEnum):
    """Which of the three registers an organisation is in (one table, ``organisation.type``)."""

    EMPLOYER = "employer"
    """用人单位: employs professionals; first review (初审) of their records (000 art. 14)."""
    INSTITUTION = "institution"
    """施教机构: teaches and pushes learning records (000 art. 12)."""
    AUTHORITY = "authority"
    """主管部门: an HR or industry authority of a region (000 art. 3)."""


class EmployerKind(StrEnum):
    """用人单位 by legal form (000 art. 4): 机关, 企业, 事业单位, 社会团体."""

    ORGAN = "organ"
    ENTERPRISE = "enterprise"
    INSTITUTION = "institution"
    SOCIAL_ORG = "social_org"


class InstitutionKind(StrEnum):
    """施教机构: 高等院校, 科研院所, 企业培训中心, 培训机构, 行业协会."""

    UNIVERSITY = "university"
    RESEARCH_INSTITUTE = "research_institute"
    ENTERPRISE_TRAINING = "enterprise_training"
    TRAINING_ORG = "training_org"
    ASSOCIATION = "association"


class AuthorityKind(StrEnum):
    HR = "hr"
    """人力资源社会保障行政部门: public subjects, certification of public-subject hours (000 art. 3, 14)."""
    INDUSTRY = "industry"
    """行业主管部门: professional subjects of one industry (000 art. 3, 8, 14)."""


class AuthorityLevel(StrEnum):
    """省 / 市 (incl. 雄安新区, 000 art. 3) / 县(市、区): the level of the authority's region in GB/T 2260."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


AUTHORITY_LEVEL_RANK = {AuthorityLevel.PROVINCE: 0, AuthorityLevel.CITY: 1, AuthorityLevel.COUNTY: 2}
"""Higher rank = lower level (分级负责, 000 art. 3)."""


class TitleLevel(StrEnum):
    """专业技术职称 level."""

    NONE = "none"
    JUNIOR = "junior"
    """初级"""
    INTERMEDIATE = "intermediate"
    """中级"""
    ASSOCIATE_SENIOR = "associate_senior"
    """副高级"""
    SENIOR = "senior"
    """正高级"""


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


ORGANISATION_KINDS: dict[OrganisationType, type[StrEnum]] = {
    OrganisationType.EMPLOYER: EmployerKind,
    OrganisationType.INSTITUTION: InstitutionKind,
    OrganisationType.AUTHORITY: AuthorityKind,
}
