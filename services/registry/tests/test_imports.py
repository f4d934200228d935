"""Bulk import of people, employers and institutions from CSV and XLSX, as officials and operators use it: good
rows go in, every bad row comes back with its line and reason (and leaves nothing behind), importing the same
file again changes nothing, an import never overwrites, and ID numbers never appear in answers, output or logs.

Through the API (the file as the raw body) and through ``python -m registry.cli import-*`` in a subprocess.
"""

import asyncio
import csv
import getpass
import io
import logging
import os
import re
import sys
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from cekit.db import build_engine, build_sessionmaker
from cekit.identifiers import id_check_character
from cekit.pii import PiiCipher
from cekit.testing import asyncpg_url
from cekit.tokens import Principal
from registry.imports.importer import Candidate, ImportReport
from registry.imports.persons import PersonImporter
from registry.persons.schemas import PersonCreate

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERSON_HEADER = ["id_number", "name", "region_code", "employer_id", "title_level", "industry"]
EMPLOYER_HEADER = ["credit_code", "name", "kind", "region_code", "industry"]
INSTITUTION_HEADER = ["credit_code", "name", "kind", "region_code"]
# Any 18-character ID number (or its first 17 digits) in a text: what must never show.
ID_NUMBER_PATTERN = re.compile(r"(?<![0-9])\d{17}[0-9X]?(?![0-9])")


# ---- files -------------------------------------------------------------------------------------------------
def csv_file(header: Sequence[str], rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # as Excel writes it
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_file(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([None if value == "" else value for value in row])
    workbook.create_sheet("notes").append(["only the first worksheet is read"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bad_check(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:17] + wrong


def born_on_30_february(region: str = "130102") -> str:
    first17 = f"{region}19900230123"
    return first17 + id_check_character(first17)


# ---- calls -------------------------------------------------------------------------------------------------
async def post_file(
    client: httpx.AsyncClient, what: str, body: bytes, token: str, content_type: str = CSV
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    return await client.post(f"/v1/imports/{what}", content=body, headers=headers)


async def imported(client: httpx.AsyncClient, what: str, body: bytes, token: str, content_type: str = CSV) -> Any:
    response = await post_file(client, what, body, token, content_type)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["total_rows"] == result["created"] + result["unchanged"] + result["rejected"]
    return result


def problems(result: dict[str, Any]) -> list[tuple[int, str, str | None]]:
    return [(error["line"], error["code"], error["field"]) for error in result["errors"]]


async def sql(database_url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        return list(await conn.fetch(statement, *args))
    finally:
        await conn.close()


async def persons_by_number(database_url: str, cipher: PiiCipher, numbers: Sequence[str]) -> dict[str, Any]:
    """The registered person of each number that is registered: {number: row}."""
    indexes = {cipher.blind_index(number): number for number in numbers}
    rows = await sql(
        database_url,
        "SELECT id, id_number_index, name, region_code, employer_id, title_level FROM person "
        "WHERE id_number_index = ANY($1::bytea[])",
        list(indexes),
    )
    return {indexes[bytes(row["id_number_index"])]: row for row in rows}


# ---- the world ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def employers(seed: Any) -> dict[str, uuid.UUID]:
    async def build() -> dict[str, uuid.UUID]:
        return {"shijiazhuang": await seed.employer("130100", "health"), "other": await seed.employer("130100")}

    return asyncio.run(build())


@pytest.fixture(scope="module")
def tokens(mint: Any, employers: dict[str, uuid.UUID]) -> dict[str, str]:
    return {
        "admin": mint("admin"),
        "hr_city": mint("hr_official", region_code="130100", org_id=uuid.uuid4()),
        "hr_tangshan": mint("hr_official", region_code="130200", org_id=uuid.uuid4()),
        "employer_admin": mint("employer_admin", org_id=employers["shijiazhuang"]),
        "industry_official": mint("industry_official", region_code="130100", industry="health", org_id=uuid.uuid4()),
    }


def mixed_person_rows(seed: Any, employer: uuid.UUID) -> tuple[list[list[Any]], dict[str, str]]:
    """Good and bad rows (lines 2-9 of the file); the numbers by role, for the checks."""
    numbers = {name: seed.new_id_number("130102") for name in ("a", "b", "c", "unknown_region", "no_name")}
    rows = [
        [numbers["a"], "张三", "130102", str(employer), "intermediate", "health"],  # 2
        [numbers["b"], "李四", "130104", "", "junior", "health"],  # 3
        [bad_check(seed.new_id_number()), "王五", "130102", "", "junior", "health"],  # 4
        [born_on_30_february(), "赵六", "130102", "", "junior", "health"],  # 5
        [numbers["unknown_region"], "钱七", "130199", "", "junior", "health"],  # 6
        [numbers["no_name"], "", "130102", "", "junior", "health"],  # 7
        [numbers["a"].lower(), "张三", "130102", str(employer), "intermediate", "health"],  # 8: line 2 again
        [numbers["c"], "孙八", "130105", "", "senior", "education"],  # 9
    ]
    return rows, numbers


MIXED_PROBLEMS = [
    (4, "id_number_bad_check", "id_number"),
    (5, "id_number_bad_date", "id_number"),
    (6, "unknown_region", "region_code"),
    (7, "missing_value", "name"),
    (8, "duplicate_in_file", "id_number"),
]


# ---- people ------------------------------------------------------------------------------------------------
async def test_a_csv_of_people_imports_the_good_rows_and_reports_each_bad_one(
    client: httpx.AsyncClient,
    tokens: dict[str, str],
    seed: Any,
    employers: dict[str, uuid.UUID],
    database_url: str,
    cipher: PiiCipher,
) -> None:
    rows, numbers = mixed_person_rows(seed, employers["shijiazhuang"])
    body = csv_file(PERSON_HEADER, rows)

    result = await imported(client, "persons", body, tokens["admin"])

    assert (result["total_rows"], result["created"], result["unchanged"], result["rejected"]) == (8, 3, 0, 5)
    assert problems(result) == MIXED_PROBLEMS
    duplicate = next(error for error in result["errors"] if error["line"] == 8)
    assert "line 2" in duplicate["reason"]
    registered = await persons_by_number(database_url, cipher, list(numbers.values()))
    assert set(registered) == {numbers["a"], numbers["b"], numbers["c"]}  # nothing of the bad rows
    assert registered[numbers["a"]]["employer_id"] == employers["shijiazhuang"]
    assert registered[numbers["b"]]["employer_id"] is None
    # Each person made is audited as a registration, like one posted alone.
    audited = await sql(
        database_url,
        "SELECT object_id FROM audit_event WHERE action = 'person.registered' AND object_id = ANY($1::text[])",
        [str(row["id"]) for row in registered.values()],
    )
    assert len(audited) == 3

    again = await imported(client, "persons", body, tokens["admin"])
    assert (again["created"], again["unchanged"], again["rejected"]) == (0, 3, 5)
    assert problems(again) == MIXED_PROBLEMS


async def test_an_xlsx_of_people_reports_the_same_lines_and_refuses_numeric_id_cells(
    client: httpx.AsyncClient,
    tokens: dict[str, str],
    seed: Any,
    employers: dict[str, uuid.UUID],
    database_url: str,
    cipher: PiiCipher,
) -> None:
    rows, numbers = mixed_person_rows(seed, employers["shijiazhuang"])
    typed_as_number = seed.new_id_number("130102")
    rows.append([int(typed_as_number[:17] + "1"), "周九", 130102, "", "junior", "health"])  # 10: a number cell
    rows[2][2] = 130102  # a region code typed as a number is fine: it loses nothing
    body = xlsx_file(PERSON_HEADER, rows)

    result = await imported(client, "persons", body, tokens["admin"], XLSX)

    assert (result["created"], result["rejected"]) == (3, 6)
    assert problems(result) == [*MIXED_PROBLEMS, (10, "not_text", "id_number")]
    assert "must be stored as text in the spreadsheet" in result["errors"][-1]["reason"]
    assert set(await persons_by_number(database_url, cipher, list(numbers.values()))) == {
        numbers["a"],
        numbers["b"],
        numbers["c"],
    }

    again = await imported(client, "persons", body, tokens["admin"], XLSX)
    assert (again["created"], again["unchanged"], again["rejected"]) == (0, 3, 6)


async def test_a_registered_person_with_other_data_is_a_conflict_and_stays_as_they_are(
    client: httpx.AsyncClient, tokens: dict[str, str], seed: Any, database_url: str, cipher: PiiCipher
) -> None:
    number = seed.new_id_number("130102")
    await seed.person(id_number=number, name="张三", region="130102", industry="health", title_level="intermediate")
    same = [number, "张 三", "130102", "", "intermediate", "health"]  # spacing inside a name changes nothing
    other_name = [number, "张山", "130102", "", "intermediate", "health"]

    unchanged = await imported(client, "persons", csv_file(PERSON_HEADER, [same]), tokens["admin"])
    conflict = await imported(client, "persons", csv_file(PERSON_HEADER, [other_name]), tokens["admin"])

    assert (unchanged["unchanged"], unchanged["rejected"]) == (1, 0)
    assert problems(conflict) == [(2, "conflict", "name")]
    assert "never changes" in conflict["errors"][0]["reason"]
    assert (await persons_by_number(database_url, cipher, [number]))[number]["name"] == "张三"


async def test_gb18030_and_byte_order_mark_csv_files_are_read_as_excel_writes_them(
    client: httpx.AsyncClient, tokens: dict[str, str], seed: Any, database_url: str, cipher: PiiCipher
) -> None:
    chinese_excel = seed.new_id_number("130102")
    excel_utf8 = seed.new_id_number("130102")
    rows = [[chinese_excel, "欧阳娜娜", "130102", "", "senior", "health"]]
    gb18030 = csv_file(PERSON_HEADER, rows, encoding="gb18030")
    with_bom = b"\xef\xbb\xbf" + csv_file(
        PERSON_HEADER, [[excel_utf8, "阿依古丽·买买提", "130102", "", "none", "health"]]
    )

    first = await imported(client, "persons", gb18030, tokens["admin"])
    second = await imported(client, "persons", with_bom, tokens["admin"], "text/csv; charset=utf-8")

    assert (first["created"], second["created"]) == (1, 1)
    registered = await persons_by_number(database_url, cipher, [chinese_excel, excel_utf8])
    assert registered[chinese_excel]["name"] == "欧阳娜娜"
    assert registered[excel_utf8]["name"] == "阿依古丽·买买提"


async def test_lines_are_numbered_as_an_editor_shows_them_and_blank_rows_are_skipped(
    client: httpx.AsyncClient, tokens: dict[str, str], seed: Any
) -> None:
    good = seed.new_id_number("130102")
    body = (
        "id_number,name,region_code,employer_id,title_level,industry\r\n"
        f"{good},张三,130102,,junior,health\r\n"
        ",,,,,\r\n"  # an empty row, as spreadsheets export them
        "\r\n"
        f'{seed.new_id_number("130102")},"张\r\n三",130102,,junior,health\r\n'  # a value spanning two lines
        f"{bad_check(seed.new_id_number())},李四,130102,,junior,health\r\n"
    ).encode()

    result = await imported(client, "persons", body, tokens["admin"])

    assert result["total_rows"] == 3
    assert problems(result) == [(7, "id_number_bad_check", "id_number")]


async def test_wrong_columns_refuse_the_whole_file_listing_each(
    client: httpx.AsyncClient, tokens: dict[str, str], seed: Any, database_url: str, cipher: PiiCipher
) -> None:
    number = seed.new_id_number("130102")
    body = csv_file(
        ["id_number", "name", "region_code", "title_level", "sector"], [[number, "张三", "130102", "junior", "x"]]
    )

    response = await post_file(client, "persons", body, tokens["admin"])

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "bad_header"
    assert {(e["field"], e["code"]) for e in problem["errors"]} == {
        ("sector", "unknown_column"),
        ("industry", "missing_column"),
    }
    assert await persons_by_number(database_url, cipher, [number]) == {}


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"id_number,name\r\n", "application/json", 415, "unsupported_file_type"),
        (b"", CSV, 422, "missing_header"),
        (b"PK\x03\x04 not really a workbook", XLSX, 422, "unreadable_file"),
        ("身份证号,姓名\r\n".encode("gb18030"), CSV, 422, "bad_header"),  # read, but the columns are not ours
    ],
)
async def test_a_file_that_cannot_be_imported_is_refused_as_a_whole(
    client: httpx.AsyncClient, tokens: dict[str, str], body: bytes, content_type: str, status: int, code: str
) -> None:
    response = await post_file(client, "persons", body, tokens["admin"], content_type)
    assert (response.status_code, response.json()["code"]) == (status, code)


async def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    body = b"id_number,name,region_code,employer_id,title_level,industry\r\n" + b"x" * (20 * 1024 * 1024)
    response = await post_file(client, "persons", body, tokens["admin"])
    assert (response.status_code, response.json()["code"]) == (413, "file_too_large")


async def test_officials_import_people_of_their_own_scope_only(
    client: httpx.AsyncClient,
    tokens: dict[str, str],
    seed: Any,
    employers: dict[str, uuid.UUID],
    database_url: str,
    cipher: PiiCipher,
) -> None:
    rows = [[seed.new_id_number("130102"), "张三", "130102", "", "junior", "health"] for _ in range(2)]
    body = csv_file(PERSON_HEADER, rows)

    tangshan = await imported(client, "persons", body, tokens["hr_tangshan"])
    shijiazhuang = await imported(client, "persons", body, tokens["hr_city"])

    assert problems(tangshan) == [(2, "outside_scope", "region_code"), (3, "outside_scope", "region_code")]
    assert (shijiazhuang["created"], shijiazhuang["rejected"]) == (2, 0)

    # An employer's admin: its own staff (employer_id empty or its own), never another employer's.
    own, named, foreign = (seed.new_id_number("130203") for _ in range(3))
    staff = csv_file(
        PERSON_HEADER,
        [
            [own, "甲", "130203", "", "junior", "health"],
            [named, "乙", "130203", str(employers["shijiazhuang"]), "junior", "health"],
            [foreign, "丙", "130203", str(employers["other"]), "junior", "health"],
        ],
    )
    result = await imported(client, "persons", staff, tokens["employer_admin"])
    assert problems(result) == [(4, "outside_scope", "employer_id")]
    registered = await persons_by_number(database_url, cipher, [own, named, foreign])
    assert {number: row["employer_id"] for number, row in registered.items()} == {
        own: employers["shijiazhuang"],
        named: employers["shijiazhuang"],
    }

    refused = await post_file(client, "persons", body, tokens["industry_official"])
    assert (refused.status_code, refused.json()["code"]) == (403, "role_required")


async def test_no_id_number_appears_in_the_answer_or_the_logs(
    client: httpx.AsyncClient, tokens: dict[str, str], seed: Any, caplog: pytest.LogCaptureFixture
) -> None:
    existing = seed.new_id_number("130102")
    await seed.person(id_number=existing, name="张三")
    rows = [
        [existing, "李四", "130102", "", "junior", "health"],  # conflict
        [bad_check(seed.new_id_number()), "王五", "130102", "", "junior", "health"],
        [born_on_30_february(), "赵六", "130102", "", "junior", "health"],
        [seed.new_id_number("130102"), "钱七", "130199", "", "junior", "health"],
    ]
    caplog.set_level(logging.DEBUG)

    response = await post_file(client, "persons", csv_file(PERSON_HEADER, rows), tokens["hr_tangshan"])
    response_admin = await post_file(client, "persons", csv_file(PERSON_HEADER, rows), tokens["admin"])

    for answer in (response, response_admin):
        assert answer.status_code == 200
        assert answer.json()["rejected"] == 4
        assert not ID_NUMBER_PATTERN.search(answer.text)
    assert "import of persons" in caplog.text  # the import is logged: counts only
    for row in rows:
        assert row[0] not in caplog.text
        assert row[0][:17] not in caplog.text


# ---- organisations -----------------------------------------------------------------------------------------
async def test_employers_and_institutions_import_like_people(
    client: httpx.AsyncClient, tokens: dict[str, str], seed: Any, database_url: str
) -> None:
    good, other = seed.new_credit_code("130100"), seed.new_credit_code("130100")
    rows = [
        [good, "石家庄某医院", "institution", "130100", "health"],  # 2
        [good[:17] + ("0" if good[17] != "0" else "1"), "某公司", "enterprise", "130100", "health"],  # 3
        [other, "某公司", "factory", "130100", "health"],  # 4: no such kind
        [good.lower(), "石家庄某医院", "institution", "130100", "health"],  # 5: line 2 again
        [seed.new_credit_code("130200"), "唐山某公司", "enterprise", "130200", "health"],  # 6: Tangshan
    ]
    body = csv_file(EMPLOYER_HEADER, rows)

    by_city_hr = await imported(client, "employers", body, tokens["hr_city"])
    assert problems(by_city_hr) == [
        (3, "credit_code_bad_check", "credit_code"),
        (4, "invalid_value", "kind"),
        (5, "duplicate_in_file", "credit_code"),
        (6, "outside_scope", "region_code"),
    ]
    assert by_city_hr["created"] == 1
    again = await imported(client, "employers", body, tokens["admin"])
    assert (again["created"], again["unchanged"], again["rejected"]) == (1, 1, 3)  # Tangshan's, by the admin

    renamed = csv_file(EMPLOYER_HEADER, [[good, "石家庄市第一医院", "institution", "130100", "health"]])
    assert problems(await imported(client, "employers", renamed, tokens["admin"])) == [(2, "conflict", "name")]
    [row] = await sql(database_url, "SELECT name FROM organisation WHERE type = 'employer' AND credit_code = $1", good)
    assert row["name"] == "石家庄某医院"

    # A university may be an employer and an institution: the registers are separate.
    institutions = xlsx_file(INSTITUTION_HEADER, [[good, "石家庄某医院", "university", 130100]])
    result = await imported(client, "institutions", institutions, tokens["hr_city"], XLSX)
    assert (result["created"], result["rejected"]) == (1, 0)
    refused = await post_file(client, "institutions", institutions, tokens["employer_admin"], XLSX)
    assert refused.status_code == 403


# ---- the command-line tool ---------------------------------------------------------------------------------
async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "registry.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_command_line_import_reports_rows_and_changes_nothing_the_second_time(
    tmp_path: Path, database_url: str, pii_keys_file: Path, seed: Any, cipher: PiiCipher
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env |= {"REGISTRY_DATABASE_URL": database_url, "REGISTRY_PII_KEYS_FILE": str(pii_keys_file)}
    numbers = [seed.new_id_number("130102") for _ in range(3)]
    rows = [
        [numbers[0], "张三", "130102", "", "junior", "health"],
        [numbers[1], "李四", "130102", "", "senior", "health"],
        [bad_check(numbers[2]), "王五", "130102", "", "junior", "health"],
    ]
    people = tmp_path / "people.csv"
    people.write_bytes(csv_file(PERSON_HEADER, rows))

    code, out, err = await run_cli("import-persons", str(people), env=env)
    assert code == 1, err
    assert "3 rows of persons: 2 created, 0 unchanged, 1 rejected" in out
    assert "line 4 (id_number): id_number_bad_check" in out
    assert " rows" in err  # the progress bar
    registered = await persons_by_number(database_url, cipher, numbers)
    assert set(registered) == set(numbers[:2])
    actors = await sql(
        database_url,
        "SELECT DISTINCT actor FROM audit_event WHERE action = 'person.registered' AND object_id = ANY($1::text[])",
        [str(row["id"]) for row in registered.values()],
    )
    assert [row["actor"] for row in actors] == [f"cli:{getpass.getuser()}"]

    errors_csv = tmp_path / "rejected.csv"
    code, out, err = await run_cli("import-persons", str(people), "--errors-csv", str(errors_csv), env=env)
    assert code == 1, err
    assert "0 created, 2 unchanged, 1 rejected" in out
    with errors_csv.open(encoding="utf-8-sig", newline="") as handle:
        assert [(r["line"], r["code"]) for r in csv.DictReader(handle)] == [("4", "id_number_bad_check")]
    for text in (out, err, errors_csv.read_text(encoding="utf-8-sig")):
        assert not ID_NUMBER_PATTERN.search(text)

    people.write_bytes(csv_file(PERSON_HEADER, rows[:2]))
    code, out, _ = await run_cli("import-persons", str(people), "--no-progress", env=env)
    assert (code, "0 created, 2 unchanged, 0 rejected" in out) == (0, True)

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(xlsx_file(["id_number", "name"], [[numbers[2], "王五"]]))
    code, out, err = await run_cli("import-persons", str(broken), env=env)
    assert code == 2
    assert "'region_code' is required" in err
    assert (out, "%|" in err) == ("", False)  # said at once, before any progress bar


# ---- the same registration as POST /v1/persons -------------------------------------------------------------
async def test_an_imported_person_is_registered_exactly_as_one_posted_alone(
    client: httpx.AsyncClient,
    mint: Any,
    seed: Any,
    employers: dict[str, uuid.UUID],
    database_url: str,
    cipher: PiiCipher,
) -> None:
    token = mint("admin", subject="registrar-1")
    born = date(1985, 6, 15)
    posted_number, imported_number = seed.new_id_number("130102", born), seed.new_id_number("130102", born)
    attributes = {"region_code": "130105", "employer_id": str(employers["shijiazhuang"]), "title_level": "senior"}
    attributes |= {"industry": "health", "name": "张三"}
    posted = await client.post(
        "/v1/persons", json={"id_number": posted_number, **attributes}, headers={"Authorization": f"Bearer {token}"}
    )
    assert posted.status_code == 201, posted.text
    row = [imported_number, *(attributes[column] for column in PERSON_HEADER[1:])]
    assert (await imported(client, "persons", csv_file(PERSON_HEADER, [row]), token))["created"] == 1

    people = await persons_by_number(database_url, cipher, [posted_number, imported_number])
    ids = {number: str(person["id"]) for number, person in people.items()}

    async def registration(number: str) -> dict[str, Any]:
        person_id = ids[number]
        [stored] = await sql(database_url, "SELECT * FROM person WHERE id = $1::uuid", person_id)
        employments = await sql(
            database_url,
            "SELECT employer_id, start_date, end_date FROM employment WHERE person_id = $1::uuid",
            person_id,
        )
        titles = await sql(
            database_url, "SELECT title_level, effective_date FROM title_change WHERE person_id = $1::uuid", person_id
        )
        audits = await sql(
            database_url,
            "SELECT actor, actor_roles, object_type, details FROM audit_event "
            "WHERE action = 'person.registered' AND object_id = $1",
            person_id,
        )
        assert cipher.decrypt(bytes(stored["id_number_ciphertext"]), person_id) == number
        assert bytes(stored["id_number_index"]) == cipher.blind_index(number)
        ignored = {"id", "id_number_ciphertext", "id_number_index", "created_at", "updated_at"}
        return {
            "person": {k: v for k, v in dict(stored).items() if k not in ignored},
            "employments": [dict(r) for r in employments],
            "titles": [dict(r) for r in titles],
            "audits": [dict(r) for r in audits],
        }

    assert await registration(imported_number) == await registration(posted_number)
    # The one difference: the import answers no ID number, so it records no read of one.
    reads = await sql(
        database_url,
        "SELECT object_id FROM audit_event WHERE action = 'id_number_read' AND object_id = ANY($1::text[])",
        list(ids.values()),
    )
    assert [r["object_id"] for r in reads] == [ids[posted_number]]


async def test_a_person_registered_meanwhile_by_someone_else_is_told_apart_not_duplicated(
    settings: Any, seed: Any, database_url: str, cipher: PiiCipher
) -> None:
    """Between the chunk's lookup and its insert another registration of the same number commits: the chunk
    falls back to the single-object use case row by row, which sees the person."""
    meanwhile, other = seed.new_id_number("130102"), seed.new_id_number("130102")
    await seed.person(id_number=meanwhile, name="张三", region="130102", industry="health", title_level="junior")
    admin = Principal(subject="t", client_id="t", roles=("admin",), scopes=(), token_id="t", expires_at=0)
    importer = PersonImporter(admin, cipher)
    candidates = []
    for line, (number, name) in enumerate([(meanwhile, "张三"), (other, "李四")], start=2):
        texts = {"id_number": number, "name": name, "region_code": "130102", "employer_id": ""}
        texts |= {"title_level": "junior", "industry": "health"}
        key, data = importer.prepare(line, texts, [])
        assert key is not None
        assert isinstance(data, PersonCreate)
        candidates.append(Candidate(line, key, data))
    report = ImportReport(total_rows=2)

    engine = build_engine(settings.database_url, pool_size=1)
    try:
        async with build_sessionmaker(engine)() as session:
            await importer.create_all(session, report, candidates)  # as if the lookup had found neither
            await session.commit()
    finally:
        await engine.dispose()

    assert (report.created, report.unchanged, report.rejected) == (1, 1, 0)
    assert set(await persons_by_number(database_url, cipher, [meanwhile, other])) == {meanwhile, other}
    [count] = await sql(
        database_url,
        "SELECT count(*) AS n FROM person WHERE id_number_index = $1",
        cipher.blind_index(meanwhile),
    )
    assert count["n"] == 1
