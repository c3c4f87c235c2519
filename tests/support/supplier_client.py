"""Settings shared by the supplier client's tests against the sandbox supplier."""

from __future__ import annotations

import base64

API_KEY = "sk_sandbox_test"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"integration-webhook-key!").decode()
STARTING_BALANCE = 100_000
