"""Bodies of the ``/jjj/`` interface (the contract ``contracts/mutual-recognition.openapi.yaml``)."""

from pydantic import BaseModel, Field

CONTRACT_VERSION = "1.0"


class PartnerInfo(BaseModel):
    region_code: str = Field(description="GB/T 2260 code of this province")
    name: str = Field(description="who issues the statements")
    issuer: str = Field(description="the issuer id our credentials name; the `aud` of partner tokens to us")
    jwks_url: str = Field(description="our statement and status-list signing keys (JWKS), retired ones included")
    status_list_base_url: str = Field(description="every status list our credentials name lies under this URL")
    verification_url: str = Field(description="POST a credential here, with a partner token, for a report")
    recognition_url: str = Field(description="where a holder or their employer submits a partner's statement")
    contract_version: str = Field(description=f"the version of the mutual-recognition contract ({CONTRACT_VERSION})")
