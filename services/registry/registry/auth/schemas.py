"""Bodies of the token endpoints (RFC 6749 §5.1, RFC 7009), documented for the OpenAPI contract."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from registry.auth.oauth import FORM_CONTENT_TYPE


class TokenForm(BaseModel):
    """The token request's form parameters (documentation: the route reads the form itself, to answer
    OAuth errors rather than generic validation errors)."""

    grant_type: Literal["password", "client_credentials", "refresh_token"]
    username: str | None = Field(default=None, description="password grant")
    password: str | None = Field(default=None, description="password grant")
    refresh_token: str | None = Field(default=None, description="refresh_token grant")
    client_id: str | None = Field(default=None, description="or HTTP Basic; `ce-public` for first-party apps")
    client_secret: str | None = Field(default=None, description="or HTTP Basic")
    scope: str | None = Field(default=None, description="accepted and ignored: access follows the roles")


class RevocationForm(BaseModel):
    token: str = Field(description="a refresh token; revokes every token of its login")
    token_type_hint: Literal["refresh_token", "access_token"] | None = None
    client_id: str | None = None
    client_secret: str | None = None


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="seconds")
    refresh_token: str | None = Field(default=None, description="password and refresh_token grants")
    scope: str


class JsonWebKey(BaseModel):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    alg: Literal["EdDSA"]
    use: Literal["sig"]


class JsonWebKeySet(BaseModel):
    keys: list[JsonWebKey]


def form_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring ``model`` as the form body of a route that parses it by hand."""
    return {
        "requestBody": {
            "required": True,
            "content": {FORM_CONTENT_TYPE: {"schema": model.model_json_schema()}},
        }
    }
