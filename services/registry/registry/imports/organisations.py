"""Import of employers (用人单位) and training institutions (施教机构), keyed by credit code within each register.

Each new one is registered through ``registry.organisations.service`` (``register_employer``,
``register_institution``), exactly as ``POST /v1/employers`` and ``/v1/institutions`` do: a few statements
each, and such files have hundreds or thousands of rows rather than tens of thousands.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from cekit.identifiers import CreditCodeError, normalise_credit_code
from cekit.tokens import Principal
from registry import policy
from registry.errors import CreditCodeTaken
from registry.imports import repository
from registry.imports.importer import Importer, flagged, region_problem
from registry.imports.rows import Columns, RowError, validate
from registry.models import Organisation
from registry.organisations import service as organisations
from registry.organisations.schemas import EmployerCreate, InstitutionCreate
from registry.vocabulary import OrganisationType

EMPLOYER_COLUMNS = Columns(
    ("credit_code", "name", "kind", "region_code", "industry"), text_only={"credit_code": "Credit codes"}
)
INSTITUTION_COLUMNS = Columns(("credit_code", "name", "kind", "region_code"), text_only={"credit_code": "Credit codes"})

OrganisationCreate = EmployerCreate | InstitutionCreate


class OrganisationImporter(Importer[OrganisationCreate, str, Organisation]):
    key_field, key_label = "credit_code", "credit code"
    exists_error = CreditCodeTaken

    def __init__(self, actor: Principal, register: OrganisationType) -> None:
        super().__init__(actor)
        self.register = register
        self.object_label = register.value
        employers = register is OrganisationType.EMPLOYER
        self.columns = EMPLOYER_COLUMNS if employers else INSTITUTION_COLUMNS
        self.model: type[OrganisationCreate] = EmployerCreate if employers else InstitutionCreate

    def prepare(
        self, line: int, texts: dict[str, str], problems: list[RowError]
    ) -> tuple[str | None, OrganisationCreate | None]:
        data, invalid = validate(self.model, texts, line, flagged=flagged(problems))
        problems.extend(invalid)
        already = flagged(problems)
        key = None
        if "credit_code" not in already:
            try:
                key = normalise_credit_code(texts["credit_code"])
            except CreditCodeError as exc:
                problems.append(RowError(line, exc.code, f"The credit code is not valid: {exc}.", "credit_code"))
        region_problem(line, texts, already, problems)
        return key, (data if not problems else None)

    def outside_scope(self, data: OrganisationCreate) -> tuple[str, str] | None:
        if policy.may_create_organisation(self.actor, self.register, data.region_code):
            return None
        return "region_code", f"{data.region_code} is outside your region: you import {self.object_label}s of it only."

    async def find_existing(self, session: AsyncSession, keys: list[str]) -> dict[str, Organisation]:
        found = await repository.organisations_by_credit_codes(session, self.register, keys)
        return {organisation.credit_code: organisation for organisation in found if organisation.credit_code}

    def differences(self, existing: Organisation, data: OrganisationCreate) -> list[str] | None:
        if not policy.organisation_scope(self.actor, self.register).admits_organisation(existing):
            return None
        same = {
            "name": existing.name == data.name,
            "kind": existing.kind == data.kind.value,
            "region_code": existing.region_code == data.region_code,
        }
        if isinstance(data, EmployerCreate):
            same["industry"] = existing.industry == data.industry
        return [name for name, equal in same.items() if not equal]

    async def create(self, session: AsyncSession, data: OrganisationCreate) -> None:
        if isinstance(data, EmployerCreate):
            await organisations.register_employer(session, data, actor=self.actor)
        else:
            await organisations.register_institution(session, data, actor=self.actor)
