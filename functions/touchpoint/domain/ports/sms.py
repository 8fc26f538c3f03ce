"""Sending an SMS. A gateway answers a receipt, or raises one of the errors of `delivery`."""

from datetime import datetime
from typing import Protocol

from touchpoint.domain.delivery import SentSms, SmsReceipt


class SmsGateway(Protocol):
    def send(self, *, to: str, sender: str, body: str) -> SmsReceipt: ...


class SmsRecords(Protocol):
    """The gateway's own records of what it took: what settles a send whose outcome is unknown."""

    def sent_to(self, to: str, since: datetime, until: datetime) -> list[SentSms]:
        """Every message to `to` the gateway sent between `since` and `until`, all pages."""
        ...

    def status_of(self, sid: str) -> SentSms | None:
        """The message with this SID as the gateway holds it now; None if it has none."""
        ...
