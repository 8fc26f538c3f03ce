"""Sending an SMS. A gateway answers a receipt, or raises one of the errors of `delivery`."""

from typing import Protocol

from touchpoint.domain.delivery import SmsReceipt


class SmsGateway(Protocol):
    def send(self, *, to: str, sender: str, body: str) -> SmsReceipt: ...
