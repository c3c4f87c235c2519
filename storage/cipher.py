"""AES-256-GCM sealing of gift-card codes at rest.

The order id is the associated data: a sealed code copied onto another order fails
authentication instead of showing one customer's code to another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import CodesKeyError
from storage.settings import AES_KEY_BYTES, decode_key

log = logging.getLogger(__name__)

NONCE_BYTES = 12
FORMAT_V1 = b"\x01"  # leading byte, so a future key or algorithm change can coexist
KEY_FILE_SUFFIX = ".codes-key"
# Sealed once with the key and kept in `meta`, to tell a wrong key at start-up
# rather than at the first delivery.
KEY_CHECK_CONTEXT = "giftbot:codes-key-check"
# A key of its own for fingerprints, derived from the codes key: the AES key never keys HMAC.
FINGERPRINT_CONTEXT = b"giftbot:held-code-fingerprint:v1"
# The same code typed with other case, spaces or dashes is the same code.
_CODE_SEPARATORS = re.compile(r"[\s-]+")


class CodeCipher:
    def __init__(self, key: bytes) -> None:
        if len(key) != AES_KEY_BYTES:
            raise CodesKeyError(f"codes key must be {AES_KEY_BYTES} bytes")
        self._aead = AESGCM(key)
        self._fingerprint_key = hmac.digest(key, FINGERPRINT_CONTEXT, hashlib.sha256)

    def fingerprint(self, code: str) -> bytes:
        """Keyed HMAC-SHA256 of a code (case, spaces and dashes ignored): equal codes match
        (de-duplication) without the table revealing them; a plain hash of a short code
        could be reversed by trying every code."""
        normalised = _CODE_SEPARATORS.sub("", code).upper().encode()
        return hmac.digest(self._fingerprint_key, normalised, hashlib.sha256)

    def seal(self, plaintext: bytes, *, order_id: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_V1 + nonce + self._aead.encrypt(nonce, plaintext, order_id.encode())

    def open(self, sealed: bytes, *, order_id: str) -> bytes:
        if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != FORMAT_V1:
            raise CodesKeyError(f"sealed code of order {order_id} is malformed")
        nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, order_id.encode())
        except InvalidTag:
            raise CodesKeyError(
                f"a code of order {order_id} does not decrypt: wrong CODES_KEY, "
                "or the row was altered or moved from another order"
            ) from None


def load_or_create_key(configured: str | None, database_path: Path) -> bytes:
    """The configured CODES_KEY, or (development) a key file beside the database."""
    if configured is not None:
        try:
            return decode_key(configured)
        except ValueError as exc:
            raise CodesKeyError(f"CODES_KEY {exc}") from None
    key_file = database_path.with_name(database_path.name + KEY_FILE_SUFFIX)
    if key_file.exists():
        try:
            return decode_key(key_file.read_text("ascii"))
        except ValueError as exc:
            raise CodesKeyError(f"key file {key_file} is unusable: {exc}") from None
    key_file.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL + 0600 from the first byte: the key is never readable by others, even briefly.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(base64.urlsafe_b64encode(secrets.token_bytes(AES_KEY_BYTES)).decode())
    log.warning(
        "CODES_KEY is not set: generated %s for development; set CODES_KEY in production "
        "and keep it safe (codes at rest cannot be read without it)",
        key_file,
    )
    return decode_key(key_file.read_text("ascii"))
