"""Twilio's webhooks to the local stack, signed as Twilio signs them: with the account's auth
token, over the public URL the stack was told it is reached at."""

import secrets
import xml.etree.ElementTree as ET
from typing import Any

import requests
from twilio.request_validator import RequestValidator

from tests.e2e.support import ACCOUNT_SID, AUTH_TOKEN, REQUEST_SECONDS, RunningStack


def new_message_sid() -> str:
    return "SM" + secrets.token_hex(16)


def twiml_reply(text: str) -> str | None:
    """The SMS a TwiML answer holds, or None when it holds none."""
    root = ET.fromstring(text)  # noqa: S314 (the stack's own answer)
    assert root.tag == "Response", text
    messages = [message.text or "" for message in root.iter("Message")]
    assert len(messages) <= 1, text
    return messages[0] if messages else None


class Webhooks:
    """What Twilio posts: incoming SMS and status callbacks. No admin token: these routes are public."""

    def __init__(self, stack: RunningStack, auth_token: str = AUTH_TOKEN) -> None:
        self.stack = stack
        self.validator = RequestValidator(auth_token)
        self.session = requests.Session()
        self.session.trust_env = False

    def post(self, path: str, form: dict[str, str], *, signature: str | None = "") -> requests.Response:
        """`signature`: "" signs the request properly, None sends none, anything else is sent as is."""
        if signature == "":
            signature = self.validator.compute_signature(self.stack.public_url + path, form)
        headers = {"X-Twilio-Signature": signature} if signature is not None else {}
        return self.session.post(
            self.stack.base_url + path, data=form, headers=headers, timeout=REQUEST_SECONDS
        )

    def sms(
        self, sender: str, to: str, body: str, *, sid: str | None = None, signature: str | None = ""
    ) -> requests.Response:
        message_sid = sid or new_message_sid()
        form = {
            "MessageSid": message_sid,
            "SmsMessageSid": message_sid,
            "SmsSid": message_sid,
            "AccountSid": ACCOUNT_SID,
            "From": sender,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        return self.post("/twilio/inbound", form, signature=signature)

    def status(self, sid: str, status: str, error_code: str | None = None, **extra: Any) -> requests.Response:
        form = {
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            **extra,
        }
        if error_code:
            form["ErrorCode"] = error_code
        return self.post("/twilio/status", form)
