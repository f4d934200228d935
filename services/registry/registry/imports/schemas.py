"""The answer of an import."""

from pydantic import BaseModel, Field


class RowErrorOut(BaseModel):
    line: int = Field(description="the CSV file's line or the worksheet's row number; the header is line 1")
    field: str | None = Field(description="the column, when the problem is one value's")
    code: str = Field(
        description="`missing_value`, `invalid_value`, `not_text`, `extra_values`, `unknown_region`, "
        "`outside_scope`, `duplicate_in_file`, `conflict`, `unknown_employer`, or the check's own code "
        "(`id_number_bad_check`, `id_number_bad_date`, `credit_code_bad_check`, ...)",
        examples=["id_number_bad_check"],
    )
    reason: str = Field(description="for a person to read; never repeats an ID number")


class ImportResult(BaseModel):
    total_rows: int = Field(description="data rows read (rows without any value are skipped)")
    created: int
    unchanged: int = Field(description="already registered with the same data")
    rejected: int = Field(description="rows not imported; each has at least one entry in `errors`")
    errors: list[RowErrorOut] = Field(description="in line order; a row may have several")
