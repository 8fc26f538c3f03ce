"""A patient's scheduled messages of the last 7 days, for the frequency caps: one small item,
read with the send's context (no request of its own) and written in the send's transaction.

Each send is an attribute of its own (`j_{job_id}` = `{at} {kind}`), so that two sends to
one patient at once both land with no condition to fail (a failed transaction after Twilio
took the SMS would leave its job `sending`), and those past the week are removed by name.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.table import Table
from touchpoint.domain.caps import RecentSend
from touchpoint.domain.timeutil import parse_utc, utc_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

TYPE = "recent_sends"
_PREFIX = "j_"


def from_item(item: Mapping[str, Any] | None) -> tuple[RecentSend, ...]:
    if item is None:
        return ()
    sends = []
    for name, value in item.items():
        if name.startswith(_PREFIX):
            at, _, kind = str(value).partition(" ")
            sends.append(RecentSend(name.removeprefix(_PREFIX), parse_utc(at), kind))
    return tuple(sorted(sends, key=lambda send: send.at))


def update(
    table: Table, patient_id: str, counted: RecentSend, forget: tuple[str, ...]
) -> "TransactWriteItemTypeDef":
    names = {"#type": "type", "#new": _PREFIX + counted.job_id} | {
        f"#old{index}": _PREFIX + job_id for index, job_id in enumerate(forget)
    }
    removed = [name for name in names if name.startswith("#old")]
    return table.update(
        keys.recent_sends(patient_id),
        "SET #type = :type, #new = :send" + (" REMOVE " + ", ".join(removed) if removed else ""),
        names=names,
        values={":type": TYPE, ":send": f"{utc_iso(counted.at)} {counted.kind}"},
    )
