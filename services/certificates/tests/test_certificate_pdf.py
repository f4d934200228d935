"""The printable certificate (``GET /v1/certificates/{person_id}/pdf``): the same readers as the certificate, every
certified activity year by year with each year's requirement and result (000 art. 14–15), the latest signed
statement, the ID number masked, and a QR code that opens the verification page."""

import io
import re
import uuid

import httpx
import pypdf
import pypdfium2
import zxingcpp
from PIL import Image

from cekit.pii import mask_id_number
from certificates.testing import PUBLIC_BASE_URL, Callers, FakePeers


def path(person_id: uuid.UUID) -> str:
    return f"/v1/certificates/{person_id}/pdf"


def pdf_text(pdf: bytes) -> str:
    """Every page's text, with table cells that wrap over lines joined back."""
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    return re.sub(r"\s*\n\s*", "", "".join(pages))


def qr_codes(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image: Image.Image = document[0].render(scale=200 / 72).to_pil().convert("L")
    finally:
        document.close()
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


async def test_the_person_prints_their_certificate_with_the_id_number_masked(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    person = peers.add_person(name="王玥喆")
    institution = peers.add_institution("河北省建筑科学研究院")
    person.certify(year=2024, category="public", hours="12", activity="online", title="2024年公需科目：数字经济")
    person.certify(year=2025, category="public", hours="30", activity="online", title="2025年公需科目：人工智能")
    person.certify(
        year=2025, category="professional", hours="64", title="建筑结构抗震设计高级研修", institution_id=institution
    )
    person.certify(year=2025, category="professional", hours="8", activity="exam", recognised_from="110000")
    issued = await client.post(
        "/v1/statements", json={"person_id": str(person.person_id), "year": 2025}, headers=callers.person(person)
    )
    assert issued.status_code == 201

    response = await client.get(path(person.person_id), headers=callers.person(person))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    code = (await client.get(f"/v1/certificates/{person.person_id}", headers=callers.admin())).json()[
        "certificate_code"
    ]
    assert response.headers["content-disposition"] == f'attachment; filename="certificate-{code}.pdf"'
    assert "no-store" in response.headers["cache-control"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for expected in (
        "专业技术人员继续教育证书",
        "王玥喆",
        mask_id_number(person.id_number),
        code,
        "2024 年度",
        "2025 年度",
        "2025年公需科目：人工智能",
        "建筑结构抗震设计高级研修",
        "河北省建筑科学研究院",
        "京津冀互认 110000",  # hours recognised from Beijing (000 art. 22)
        "合计 102",  # 2025: 30 + 64 + 8 credited
        "合计 90",  # Hebei's yearly requirement (000 art. 5)
        "达标 Compliant",  # 2025: 30 public, 72 professional, 102 in all
        "未达标 Not compliant",  # 2024: 12 of 90
        issued.json()["statement_id"],
    ):
        assert expected in text, expected
    # 000 art. 14: the certificate number is the ID number; it is printed masked only.
    assert person.id_number not in text
    assert person.id_number.encode() not in pdf
    # The QR code opens the verification page of this certificate (its latest statement).
    assert qr_codes(pdf) == [f"{PUBLIC_BASE_URL}/verify/{code}"]


async def test_an_id_number_inside_a_course_title_is_masked_not_printed(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    person = peers.add_person()
    person.certify(year=2025, title=f"学员 {person.id_number} 补录培训")

    response = await client.get(path(person.person_id), headers=callers.admin())

    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    assert person.id_number not in text
    assert f"学员 {mask_id_number(person.id_number)} 补录培训" in text


async def test_a_certificate_without_hours_or_statements_still_prints(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    person = peers.add_person(name="张三")
    response = await client.get(path(person.person_id), headers=callers.person(person))
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    assert "张三" in text
    assert "暂无已认定的继续教育记录" in text


async def test_only_the_certificates_readers_get_the_pdf(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    employer = uuid.uuid4()
    person = peers.add_person(employer_id=employer, region_code="130102", industry="health")
    person.certify(year=2025)
    stranger = peers.add_person()

    for headers in (callers.person(person), callers.employer(employer), callers.hr("130100"), callers.admin()):
        allowed = await client.get(path(person.person_id), headers=headers)
        assert allowed.status_code == 200
        assert allowed.headers["content-type"] == "application/pdf"
    for headers in (callers.person(stranger), callers.employer(uuid.uuid4()), callers.hr("110000")):
        refused = await client.get(path(person.person_id), headers=headers)
        assert refused.status_code == 404
        assert refused.json()["code"] == "person_not_found"
        assert person.id_number not in refused.text
    assert (await client.get(path(person.person_id), headers=callers.institution())).status_code == 403
    assert (await client.get(path(person.person_id))).status_code == 401
    assert (await client.get(path(uuid.uuid4()), headers=callers.admin())).status_code == 404


async def test_the_hours_service_down_is_a_503_not_a_broken_pdf(
    client: httpx.AsyncClient, peers: FakePeers, callers: Callers
) -> None:
    person = peers.add_person()
    person.certify(year=2025)
    peers.hours_down = True
    response = await client.get(path(person.person_id), headers=callers.admin())
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "hours_unavailable"
