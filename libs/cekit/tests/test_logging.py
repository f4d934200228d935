"""National ID numbers never reach a log line (RULES.md §1: PII; ARCHITECTURE.md: never logged)."""

import json
import logging

import pytest

from cekit.logging import JsonFormatter, install_masking, mask_id_numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id 13010219900307123X ok", "id 130102********123X ok"),
        ("lower 13010219900307123x.", "lower 130102********123x."),
        ('json {"id_number":"110101199003074518"}', 'json {"id_number":"110101********4518"}'),
        ("phone 13800138000 stays", "phone 13800138000 stays"),
        ("a 19-digit 1234567890123456789 stays", "a 19-digit 1234567890123456789 stays"),
    ],
)
def test_mask_id_numbers(text: str, expected: str) -> None:
    assert mask_id_numbers(text) == expected


def test_masking_applies_to_arguments_of_any_logger(caplog: pytest.LogCaptureFixture) -> None:
    install_masking()
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.module").info("registering %s for %s", "13010219900307123X", "Zhang San")
    assert "13010219900307123X" not in caplog.text
    assert "130102********123X" in caplog.text


def test_json_formatter_carries_request_id_and_fields() -> None:
    from cekit.context import request_id_var

    token = request_id_var.set("rid-1")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
        record.fields = {"status": 200}
        line = json.loads(JsonFormatter("hours").format(record))
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "rid-1"
    assert line["service"] == "hours"
    assert line["status"] == 200


def test_a_logged_line_masks_its_message_and_its_fields_once_each() -> None:
    """The message is masked when the record is made, the ``extra`` fields (set after that) by the handler's
    filter: both must reach the output masked, and the message must not be masked twice (no ``*`` run grows)."""
    import io

    from cekit.logging import configure_logging

    configure_logging("hours")
    root = logging.getLogger()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    out = io.StringIO()
    handler.setStream(out)
    logging.getLogger("cekit.access").info(
        "GET %s", "/v1/persons/13010219900307123X", extra={"fields": {"path": "/v1/persons/13010219900307123X"}}
    )
    line = json.loads(out.getvalue().splitlines()[-1])
    assert line["msg"] == "GET /v1/persons/130102********123X"
    assert line["path"] == "/v1/persons/130102********123X"
    assert "13010219900307123X" not in out.getvalue()


def test_a_field_orjson_cannot_write_still_gives_a_line() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "big", None, None)
    record.fields = {"count": 2**70, 3: "an int key"}
    line = json.loads(JsonFormatter("hours").format(record))
    assert line["count"] == 2**70
    assert line["3"] == "an int key"
