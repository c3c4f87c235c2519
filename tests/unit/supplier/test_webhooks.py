from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks import Webhook

from supplier.webhooks import (
    InvalidSignature,
    InvalidWebhookPayload,
    WebhookError,
    WebhookVerifier,
)

SECRET = "whsec_" + base64.b64encode(b"s" * 24).decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"o" * 24).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"x" * 24).decode()
NOW = 1_790_000_000
EVENT = {
    "type": "order.fulfilled",
    "timestamp": "2026-11-26T10:00:00Z",
    "data": {"order_id": "ord_1", "reference": "ref_1", "status": "completed", "version": 2},
}
BODY = json.dumps(EVENT).encode()


def sign(
    body: bytes = BODY, *, secret: str = SECRET, msg_id: str = "msg_1", timestamp: int = NOW
) -> dict[str, str]:
    signature = Webhook(secret).sign(
        msg_id=msg_id, timestamp=datetime.fromtimestamp(timestamp, tz=UTC), data=body.decode()
    )
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


def verifier(*secrets: str, tolerance: int = 300, now: int = NOW) -> WebhookVerifier:
    return WebhookVerifier(secrets or (SECRET,), tolerance, clock=lambda: float(now))


def test_valid_request_returns_the_event() -> None:
    event = verifier().verify(BODY, sign())

    assert event.type == "order.fulfilled"
    assert event.data.order_id == "ord_1"
    assert event.data.version == 2


def test_header_names_are_case_insensitive() -> None:
    headers = {key.title(): value for key, value in sign().items()}
    assert verifier().verify(BODY, headers).data.reference == "ref_1"


def test_any_configured_secret_may_match_during_rotation() -> None:
    rotating = verifier(OLD_SECRET, SECRET)
    assert rotating.verify(BODY, sign(secret=SECRET)).type == "order.fulfilled"
    assert rotating.verify(BODY, sign(secret=OLD_SECRET)).type == "order.fulfilled"
    with pytest.raises(InvalidSignature):
        rotating.verify(BODY, sign(secret=OTHER_SECRET))


def test_any_of_several_signatures_in_the_header_may_match() -> None:
    headers = sign()
    wrong = sign(secret=OTHER_SECRET)["webhook-signature"]
    headers["webhook-signature"] = f"v2,abc {wrong} garbage {headers['webhook-signature']}"
    assert verifier().verify(BODY, headers).data.status == "completed"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda h: h | {"webhook-id": "msg_2"}, id="other-id"),
        pytest.param(lambda h: h | {"webhook-timestamp": str(NOW + 1)}, id="other-timestamp"),
        pytest.param(lambda h: sign(secret=OTHER_SECRET), id="other-secret"),
        pytest.param(lambda h: h | {"webhook-signature": "v1," + "A" * 44}, id="forged"),
        pytest.param(
            lambda h: h | {"webhook-signature": h["webhook-signature"].replace("v1,", "v2,")},
            id="unknown-version",
        ),
    ],
)
def test_tampered_headers_are_rejected(
    tamper: Callable[[dict[str, str]], dict[str, str]],
) -> None:
    headers = tamper(sign())
    with pytest.raises(InvalidSignature):
        verifier().verify(BODY, headers)


def test_altered_body_is_rejected() -> None:
    with pytest.raises(InvalidSignature):
        verifier().verify(BODY.replace(b"ord_1", b"ord_2"), sign())


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"webhook-id": "msg_1", "webhook-timestamp": str(NOW)},
        {"webhook-timestamp": str(NOW), "webhook-signature": "v1,AAAA"},
        {"webhook-id": "", "webhook-timestamp": str(NOW), "webhook-signature": "v1,AAAA"},
        {"webhook-id": "m", "webhook-timestamp": str(NOW), "webhook-signature": "no-comma"},
        {"webhook-id": "m", "webhook-timestamp": str(NOW), "webhook-signature": "v1,%%%%"},
        {"webhook-id": "m", "webhook-timestamp": str(NOW), "webhook-signature": "v1,QUJD="},
        {"webhook-id": "m", "webhook-timestamp": "soon", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "m", "webhook-timestamp": f"{NOW}.0", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "m", "webhook-timestamp": f"+{NOW}", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "m", "webhook-timestamp": "-5", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "m", "webhook-timestamp": "9" * 5000, "webhook-signature": "v1,AAAA"},
        {"webhook-id": "m", "webhook-timestamp": "١٢٣", "webhook-signature": "v1,AAAA"},
    ],
    ids=lambda headers: ",".join(f"{k}={v[:12]}" for k, v in headers.items()) or "none",
)
def test_missing_or_malformed_headers_raise_invalid_signature(headers: dict[str, str]) -> None:
    with pytest.raises(InvalidSignature):
        verifier().verify(BODY, headers)


@pytest.mark.parametrize("variant", [f"{NOW}.0", f"+{NOW}", f"{NOW}e0", f"{NOW:_}", f" {NOW}x"])
def test_timestamp_must_be_plain_unix_seconds(variant: str) -> None:
    # A lenient parser would accept these: the genuine signature covers the same instant.
    headers = sign() | {"webhook-timestamp": variant}
    with pytest.raises(InvalidSignature):
        verifier().verify(BODY, headers)


@pytest.mark.parametrize("offset", [-301, 301, -10_000_000])
def test_timestamp_outside_the_tolerance_is_rejected(offset: int) -> None:
    headers = sign(timestamp=NOW + offset)
    with pytest.raises(InvalidSignature):
        verifier().verify(BODY, headers)


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_timestamp_at_the_edge_of_the_tolerance_is_accepted(offset: int) -> None:
    assert verifier().verify(BODY, sign(timestamp=NOW + offset)).type == "order.fulfilled"


def test_tolerance_is_configurable_beyond_five_minutes() -> None:
    headers = sign(timestamp=NOW - 900)
    assert verifier(tolerance=1000).verify(BODY, headers).data.version == 2
    with pytest.raises(InvalidSignature):
        verifier(tolerance=10).verify(BODY, sign(timestamp=NOW - 11))


def test_non_utf8_body_is_an_invalid_signature() -> None:
    with pytest.raises(InvalidSignature):
        verifier().verify(b"\xff\xfe", sign())


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        json.dumps(EVENT | {"type": "order.exploded"}).encode(),
        json.dumps({"type": "order.created", "timestamp": "2026-11-26T10:00:00Z"}).encode(),
        json.dumps(EVENT | {"timestamp": "yesterday"}).encode(),
        b"[" * 10_000,
    ],
)
def test_signed_body_that_is_no_event_is_an_invalid_payload(body: bytes) -> None:
    with pytest.raises(InvalidWebhookPayload) as caught:
        verifier().verify(body, sign(body))
    assert not isinstance(caught.value, InvalidSignature)
    assert isinstance(caught.value, WebhookError)


@pytest.mark.parametrize("secrets", [(), ("whsec_",), ("",)])
def test_unusable_secrets_are_refused_at_construction(secrets: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="secret"):
        WebhookVerifier(secrets)


def test_secret_stays_out_of_the_construction_error() -> None:
    with pytest.raises(ValueError) as caught:
        WebhookVerifier(["whsec_"])
    assert "whsec_" not in str(caught.value).replace("whsec_<base64>", "")


header_values = st.text(max_size=80) | st.sampled_from(
    ["v1,", "v1,AAAA", ",", "v1,====", str(NOW), f"{NOW}.5", " ", "v1 AAAA", "v1,,"]
)
fuzzed_headers = st.dictionaries(
    st.sampled_from(
        ["webhook-id", "webhook-timestamp", "webhook-signature", "Webhook-Id", "other"]
    ),
    header_values,
)


@settings(max_examples=300)
@given(headers=fuzzed_headers, body=st.binary(max_size=64) | st.just(BODY))
def test_fuzzed_headers_only_ever_raise_invalid_signature(
    headers: dict[str, str], body: bytes
) -> None:
    with pytest.raises(InvalidSignature):
        verifier().verify(body, headers)


@given(
    msg_id=st.text(min_size=1, max_size=40).filter(lambda s: s.strip() == s and s),
    signature=st.text(max_size=80),
)
def test_fuzzed_signature_with_valid_id_and_time_raises_invalid_signature(
    msg_id: str, signature: str
) -> None:
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(NOW), "webhook-signature": signature}
    with pytest.raises(InvalidSignature):
        verifier().verify(BODY, headers)
