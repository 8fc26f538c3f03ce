"""The send queue: the scheduler puts job references on it, the sender takes them off."""

import json
from typing import TYPE_CHECKING

from touchpoint.domain.delivery import JobRef

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

SQS_BATCH_LIMIT = 10


def job_message(ref: JobRef) -> str:
    """The job and the claim it is queued under (the sender takes the job only under it)."""
    return json.dumps({"appointment_id": ref.appointment_id, "job_id": ref.job_id, "lease": ref.lease})


def parse_job_message(body: str) -> JobRef:
    data = json.loads(body)
    lease = data.get("lease")  # a message queued before leases carries none
    return JobRef(str(data["appointment_id"]), str(data["job_id"]), str(lease) if lease else None)


class SqsJobQueue:
    def __init__(self, client: "SQSClient", queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        failed: list[JobRef] = []
        for start in range(0, len(refs), SQS_BATCH_LIMIT):
            batch = refs[start : start + SQS_BATCH_LIMIT]
            response = self.client.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(index), "MessageBody": job_message(ref)} for index, ref in enumerate(batch)
                ],
            )
            failed += [batch[int(entry["Id"])] for entry in response.get("Failed", [])]
        return failed
