"""The consent ledger's vocabulary: who opted out or back in, when, and how."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ConsentAction(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"


class ConsentSource(StrEnum):
    KEYWORD = "keyword"  # the patient texted STOP or START
    CARRIER_OPT_OUT = "twilio_21610"  # Twilio refused a send or reported a delivery: unsubscribed
    ADMIN = "admin"  # a clinic's staff opted the patient out


@dataclass(frozen=True)
class ConsentChange:
    """One line of the consent ledger."""

    patient_id: str
    clinic_id: str
    action: ConsentAction
    source: ConsentSource
    at: datetime
    message_sid: str | None = None
