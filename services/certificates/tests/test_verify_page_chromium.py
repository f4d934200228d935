"""The whole path a person takes with a printed certificate, in a real browser (issue 5): the service runs on a real
port, the PDF's QR code is read back from the printed page, and headless Chromium opens that URL — the real
``/verify/{code}`` route with its Content-Security-Policy — and the verdict is read from the screen; after a
revocation the same URL shows it. The browser is driven over the DevTools protocol by ``test_render``'s helpers."""

import importlib.util
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import uvicorn
import zxingcpp
from websockets.sync.client import connect

from cekit.testing import TokenMinter
from certificates.app import create_app
from certificates.testing import Callers, FakePeers, settings_for


def _render_tests() -> ModuleType:
    """``test_render`` loaded under a name of its own (the test modules are not a package): its ``Browser``, the
    Chromium fixture and the script that reads the verdict off the screen are reused, not copied."""
    name = "certificates_test_render_helpers"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("test_render.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_render = _render_tests()
READ_VERDICT: str = _render.READ_VERDICT


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """``test_render``'s headless Chromium, with a profile directory whose removal tolerates files that the
    browser's helper processes write while they exit."""
    binary = _render._chromium()
    if binary is None:
        pytest.skip("no Chromium binary found (chromium or $CHROMIUM_BIN); apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="ce-chromium-", ignore_cleanup_errors=True) as profile:
        started = _render.Browser(binary, Path(profile))
        try:
            with connect(started.page_socket_url(), max_size=None, open_timeout=10) as ws:
                started.ws = ws
                started.call("Page.enable")
                yield started
        finally:
            started.stop()


GREEN, RED = (0x1B, 0x7F, 0x3B), (0xB4, 0x23, 0x18)


@pytest.fixture
def served(database_url: str, keys_dir: Path, peers: FakePeers, minter: TokenMinter) -> Iterator[str]:
    """The certificates app under uvicorn on a free port (in a thread), its public base URL being that port, so
    the URLs it prints and signs are the ones the browser opens."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_app(
        settings_for(database_url, keys_dir, public_base_url=base),
        key_fetcher=minter.fetcher(),
        registry_transport=httpx.ASGITransport(app=peers.registry_app()),
        hours_transport=httpx.ASGITransport(app=peers.hours_app()),
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the certificates app did not start")
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def test_chromium_opens_the_printed_qr_code_and_shows_the_verdict_then_the_revocation(
    browser: Any, served: str, peers: FakePeers, callers: Callers
) -> None:
    person = peers.add_person(name="王玥喆")
    person.certify(year=2025, category="public", hours="30", activity="online")
    person.certify(year=2025, category="professional", hours="60")
    with httpx.Client(base_url=served, timeout=30) as http:
        issued = http.post(
            "/v1/statements", json={"person_id": str(person.person_id), "year": 2025}, headers=callers.admin()
        )
        assert issued.status_code == 201, issued.text
        pdf = http.get(f"/v1/certificates/{person.person_id}/pdf", headers=callers.person(person))
        assert pdf.status_code == 200, pdf.text

        # What a phone camera reads off the printed sheet.
        image = _render.render_page_image(pdf.content)
        [url] = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
        assert url.startswith(f"{served}/verify/")

        browser.open(url)
        seen = browser.evaluate(READ_VERDICT)
        assert (seen["text"], seen["verdict"]) == ("有效 VALID", "valid")
        assert seen["visible"]
        assert seen["fontSize"] >= 24
        assert seen["top"] < 400
        # The banner's colour on screen: the page's inline style ran under the CSP the route sent.
        assert browser.screenshot().getpixel((int(seen["left"] + 20), int(seen["top"] + 6))) == GREEN
        shown = browser.evaluate("document.body.innerText")
        assert "王*喆" in shown
        assert person.id_number not in shown
        assert "王玥喆" not in shown
        assert browser.evaluate("document.querySelectorAll('#checks li[data-passed=\"true\"]').length") == 6

        revoked = http.post(
            f"/v1/statements/{issued.json()['statement_id']}/revocation",
            json={"reason": "学时造假"},
            headers=callers.hr(),
        )
        assert revoked.status_code == 200

    browser.open(url)  # the same printed QR code, scanned again
    seen = browser.evaluate(READ_VERDICT)
    assert (seen["text"], seen["verdict"]) == ("已撤销 REVOKED", "revoked")
    assert browser.screenshot().getpixel((int(seen["left"] + 20), int(seen["top"] + 6))) == RED


def test_chromium_shows_an_unknown_code_as_not_found(browser: Any, served: str) -> None:
    browser.open(f"{served}/verify/AAAAAAAAAAAAAAAA")
    seen = browser.evaluate(READ_VERDICT)
    assert (seen["text"], seen["verdict"]) == ("无效 INVALID", "invalid")
    assert "未找到该证书" in browser.evaluate("document.body.innerText")
