"""`make bench`: what Touchpoint costs a month, AWS next to SMS, for one clinic of 200 patients and
for 50 such clinics on one stack. A model, not a measurement: every input is a constant below, with
its source; the DynamoDB requests are those the benchmarks counted (no moto here, no AWS). Prices:
us-east-1 on-demand and Twilio US, as published (2025-2026); check the pricing pages before
budgeting. No free tier is applied. Run: PYTHONPATH=functions:. python tests/bench/costs.py"""

import re
import textwrap
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from tests.bench.texts import every_text
from touchpoint.domain.clinic import DEFAULT_REMINDERS
from touchpoint.domain.delivery import DeliveryOutcome
from touchpoint.domain.gsm7 import segments
from touchpoint.domain.instruments import instruments
from touchpoint.settings import DEFAULT_DUE_SHARDS
from touchpoint.usecases.reconciling import DEFAULT_LOOKBACK, ReconcileResult

_imported = {*globals(), "TEMPLATE", "TEXTS"}  # not inputs: the imports, the template, the texts' segments
TEMPLATE = (Path(__file__).resolve().parents[2] / "template.yaml").read_text(encoding="utf-8")

# ---- Usage of one clinic, a month ----
PATIENTS = 200  # the clinic budgeted
CLINICS = 50  # the group: 50 such clinics on one stack
SESSIONS_PER_PATIENT = 4.0  # assumed: ketamine induction (6 in 2-3 weeks) and maintenance (every 2-6 weeks)
REMINDERS_PER_SESSION = len(DEFAULT_REMINDERS)  # domain/clinic.py defaults: one, the day before
# The defaults have no follow-ups (follow_ups: []): a clinic on defaults sends reminders only. Assumed:
ANXIETY_PER_SESSION = 1.0  # a 0-10 anxiety-now check-in after each session (tests/bench/courses.py's clinic)
GAD7_PER_PATIENT = 1.0  # a GAD-7 a month (a course's baseline or end-of-course, or a monthly follow-up)
REPLIES_PER_REMINDER = 0.6  # assumed: C or R, each answered with one text ("confirmed (C)")
CHECKIN_COMPLETION = 0.7  # assumed: answered to the end (Y, then each question); the rest get the nudge
SPANISH_SHARE = 0.13  # assumed: about 13% of US residents speak Spanish at home (Census ACS)
CALLBACKS_PER_SEND = 2  # Twilio status callbacks per API-sent SMS (sent, delivered); TwiML answers: none
ALERTS_PER_PATIENT = 0.05  # assumed: alerts (severe score, reschedule, crisis), e-mailed through SNS
EMAILS_PER_ALERT = 2  # the platform's AlertEmail and the clinic's own filtered subscription
STAFF_PER_CLINIC = 5  # assumed: Cognito monthly active users (MAU)
ADMIN_REQUESTS_PER_STAFF_DAY = 100  # assumed: console API calls (plus one per appointment booked)
CONSOLE_LOADS_PER_STAFF_DAY, CONSOLE_LOAD_KB = 2, 98.1  # assumed; raw first load (benchmarks.md)
WORKING_DAYS, HOURS = 22, 730  # a month; AWS prices a month as 730 hours
ITEM_KB_PER_SMS = 3.0  # assumed: the message item, its SID or dedup item, its copy in by_clinic (ALL)
MONTHS_STORED = 12  # the table and the logs (LogRetentionDays 365) as they are after a year
LOG_BYTES_PER_INVOCATION = 1500  # assumed: START/END/REPORT, 1-2 powertools JSON lines, an EMF blob
ACCESS_LOG_BYTES = 450  # one HTTP API access-log line (AccessLogSettings.Format in template.yaml)
ADMIN_RESPONSE_KB = 5.0  # assumed, through CloudFront
DURATION_MS = {"scheduler": 300, "reconciler": 1500, "sender": 500, "inbound": 150, "admin": 200}  # assumed
MEMORY_GB = int(re.findall(r"MemorySize: (\d+)", TEMPLATE)[0]) / 1024  # template.yaml Globals: 512 MB
SCHEDULER_PASSES, RECONCILER_PASSES = HOURS * 60, HOURS * 12  # rate(1 minute), rate(5 minutes)
SQS_IDLE_POLLS = 5 * 3 * HOURS * 60  # assumed: Lambda's 5 pollers, a 20-s long poll each, always on
SQS_REQUESTS_PER_JOB = 3  # send, receive, delete (an upper bound: they are batched)
KMS_REQUESTS = 5 * 12 * HOURS  # assumed: DynamoDB asks KMS about every 5 minutes per function role
SECRET_CALLS = 3 * 12 * HOURS  # sender, inbound, reconciler; cached 5 minutes (docs/deploy.md)
# add_metric: the scheduler's 3, the sender's 1 per outcome, the reconciler's 1 per count; 1 metric filter
METRICS = 3 + len(DeliveryOutcome) + len(ReconcileResult().to_dict()) + 1
ALARMS = TEMPLATE.count("Type: AWS::CloudWatch::Alarm")
KMS_KEYS = TEMPLATE.count("Type: AWS::KMS::Key")  # the table's (customer-managed) and the topics'


@dataclass(frozen=True, repr=False)
class Ops:
    """DynamoDB requests of one event, by capacity; items are small (< 1 KB written, < 4 KB read).
    Eventually consistent reads 0.5 RRU, strong ones (the sender's BatchGetItem: ConsistentRead in
    adapters/dynamo/jobs.py) 1 RRU an item; writes 1 WRU an item, transactions 2, times INDEX_WRITES."""

    reads: float = 0.0
    strong: float = 0.0
    writes: float = 0.0
    tx_items: float = 0.0

    def __repr__(self) -> str:
        return "Ops(" + ", ".join(f"{k}={v}" for k, v in vars(self).items() if v) + ")"

    def cost(self) -> float:
        return (0.5 * self.reads + self.strong) * RRU + (self.writes + 2 * self.tx_items) * INDEX_WRITES * WRU


INDEX_WRITES = 2.0  # assumed: each item written also writes about one GSI item (due, by_clinic)
# docs/benchmarks.md "The reminder pipeline" (4.54 a reminder, the pass's queries in SCHEDULER_PASS):
# the claim, the take, a BatchGetItem of clinic, patient, appointment, recent sends, a 4-item transaction.
REMINDER = Ops(strong=4, writes=2, tx_items=4)
# docs/benchmarks.md "DynamoDB requests per inbound message": 4 GetItem, +1 with a prompt pending, one
# transaction (assumed 5 items); a status callback: 1 GetItem and 1 UpdateItem.
REPLY = Ops(reads=5, tx_items=5)
CALLBACK = Ops(reads=1, writes=1)
# docs/courses.md "What it costs", "without" (a session with a 0-10 check-in: claims 2, sends 6, replies
# 12), split as tests/bench/courses.py counts them: the invitation's and nudge's claims, takes, batch reads
# (4, 5 keys), transactions (7, 1 items); a reply, 5 GetItem and 4-5 items; a booking, 3 GetItem, 1 PutItem, 3.
CHECKIN = Ops(strong=9, writes=4, tx_items=8)
CHECKIN_REPLY = Ops(reads=5, tx_items=4.5)
BOOKING = Ops(reads=3, writes=1, tx_items=3)
ADMIN_REQUEST = Ops(reads=8)  # assumed: a console page reads about 8 x 4 KB
# docs/benchmarks.md "The sharded due index": 40.6 Query a minute on average; the reconciler queries
# every bucket of its look-back (adapters/dynamo/due_index.py): 25 hours x 9 buckets.
SCHEDULER_PASS = Ops(reads=40.6)
RECONCILER_PASS = Ops(reads=(DEFAULT_LOOKBACK // timedelta(hours=1) + 1) * (DEFAULT_DUE_SHARDS + 1))

# ---- AWS prices, us-east-1, on-demand, as published by AWS; check the pricing pages ----
RRU, WRU = 0.125e-6, 0.625e-6  # DynamoDB on-demand, per request unit (halved in November 2024)
STORAGE_GB, PITR_GB = 0.25, 0.20  # DynamoDB standard table class and point-in-time recovery, GB-month
LAMBDA_REQUEST, LAMBDA_GB_SECOND = 0.20e-6, 0.0000166667  # x86_64 (template.yaml Architectures)
XRAY_TRACE = 5.00e-6  # Tracing: Active; under 1 request/s the default sampling traces every invocation
HTTP_API_REQUEST, SQS_REQUEST = 1.00e-6, 0.40e-6  # HTTP API (first 300 million); SQS standard
SCHEDULE_INVOCATION = 1.00e-6  # EventBridge Scheduler (14 million a month free: not applied)
SNS_PUBLISH, SNS_EMAIL = 0.50e-6, 2.00 / 100_000
LOGS_INGEST_GB, LOGS_STORE_GB = 0.50, 0.03  # CloudWatch Logs standard; storage taken uncompressed
METRIC_MONTH, ALARM_MONTH = 0.30, 0.10  # a custom metric; a standard-resolution alarm (60-s periods)
KMS_KEY_MONTH, KMS_REQUEST = 1.00, 0.03 / 10_000
SECRET_MONTH, SECRET_CALL = 0.40, 0.05 / 10_000
COGNITO_MAU = 0.020  # Plus (ThreatProtection ENFORCED, the default); Essentials $0.015, 10,000 MAU free
CLOUDFRONT_REQUEST, CLOUDFRONT_GB = 0.0100 / 10_000, 0.085  # HTTPS, North America; S3 is cents
# ---- SMS: Twilio US, long code (10DLC), 2025-2026; check Twilio's pricing and carrier-fee pages ----
SMS_OUT, SMS_IN = 0.0083, 0.0083  # per segment
CARRIER_OUT = 0.0042  # per outbound segment: AT&T $0.0035, T-Mobile and Verizon $0.0045, weighted
CARRIER_IN = 0.0010  # per inbound segment: T-Mobile's $0.0025, on about 40% of phones
NUMBER_MONTH = 1.15  # a local number per clinic (toll-free $2.15: no campaign, but verification)
CAMPAIGN_MONTH = 10.00  # a standard 10DLC campaign ($1.50 a low-volume mixed one)
CAMPAIGNS = 1  # one owner: one brand, one campaign for all its numbers (independent clinics: one each)
BRAND_ONCE, VETTING_ONCE = 4.50, 15.00  # one-time (a standard brand with secondary vetting: $46)


def _segments(spanish: float) -> dict[str, float]:
    """Each default text's segments (tests/bench/texts.py), averaged over the patients' languages."""
    counts = {lang: {name: segments(text)[0] for name, text in every_text(lang)} for lang in ("en", "es")}
    return {name: (1 - spanish) * counts["en"][name] + spanish * counts["es"][name] for name in counts["en"]}


TEXTS = _segments(SPANISH_SHARE)


def checkin(instrument: str, texts: dict[str, float] = TEXTS) -> tuple[float, float, float]:
    """(messages sent, their segments, replies of a segment each) of one check-in, on average: when
    answered, the invitation, each question and the completion note; else the invitation, its nudge."""
    questions = len(instruments()[instrument].items)
    asked = sum(texts[f"{instrument} question {n + 1}"] for n in range(questions))
    answered = texts[f"invitation ({instrument})"] + asked + texts["survey completed"]
    unanswered = texts[f"invitation ({instrument})"] + texts["invitation nudge"]
    done = CHECKIN_COMPLETION
    sent = done * (2 + questions) + (1 - done) * 2
    return sent, done * answered + (1 - done) * unanswered, done * (1 + questions)  # Y, then the answers


def usage(clinics: int, spanish: float = SPANISH_SHARE) -> dict[str, float]:
    """What the clinics do in a month, in counts."""
    texts = TEXTS if spanish == SPANISH_SHARE else _segments(spanish)
    patients = PATIENTS * clinics
    sessions = patients * SESSIONS_PER_PATIENT
    reminders = sessions * REMINDERS_PER_SESSION
    replies = reminders * REPLIES_PER_REMINDER
    each = {"anxiety-now": sessions * ANXIETY_PER_SESSION, "gad7": patients * GAD7_PER_PATIENT}
    sent, segs, answers = (sum(n * checkin(name, texts)[i] for name, n in each.items()) for i in range(3))
    checkins, staff_days = sum(each.values()), clinics * STAFF_PER_CLINIC * WORKING_DAYS
    return {
        "sessions": sessions,
        "reminders": reminders,
        "replies": replies,
        "checkins": checkins,
        "checkin replies": answers,
        "messages out": reminders + replies + sent,
        "segments out": reminders * texts["reminder"] + replies * texts["confirmed (C)"] + segs,
        "segments in": replies + answers,
        # API-sent: reminders, invitations, the nudges that go; TwiML answers get no callbacks
        "callbacks": (reminders + checkins * (2 - CHECKIN_COMPLETION)) * CALLBACKS_PER_SEND,
        "jobs": reminders + 2 * checkins,  # each check-in's invitation and nudge jobs are claimed
        "admin requests": staff_days * ADMIN_REQUESTS_PER_STAFF_DAY + sessions,  # one per booking
        "console loads": staff_days * CONSOLE_LOADS_PER_STAFF_DAY,
        "alerts": patients * ALERTS_PER_PATIENT,
    }


def monthly(clinics: int, spanish: float = SPANISH_SHARE) -> list[tuple[str, str, float]]:
    """(AWS or SMS, line item, $ a month) for `clinics` clinics on one stack."""
    u = usage(clinics, spanish)
    admin, alerts, jobs = u["admin requests"], u["alerts"], u["jobs"]
    inbound = u["replies"] + u["checkin replies"] + u["callbacks"]
    events = [(u["reminders"], REMINDER), (u["replies"], REPLY), (u["callbacks"], CALLBACK)]
    events += [(u["checkins"], CHECKIN), (u["checkin replies"], CHECKIN_REPLY), (u["sessions"], BOOKING)]
    events += [(admin, ADMIN_REQUEST)]
    events += [(SCHEDULER_PASSES, SCHEDULER_PASS), (RECONCILER_PASSES, RECONCILER_PASS)]
    calls = {"scheduler": SCHEDULER_PASSES, "reconciler": RECONCILER_PASSES, "sender": jobs}
    calls |= {"inbound": inbound, "admin": admin}
    invoked, seconds = sum(calls.values()), sum(n * DURATION_MS[name] / 1000 for name, n in calls.items())
    stored_gb = (u["messages out"] + u["segments in"]) * ITEM_KB_PER_SMS * MONTHS_STORED / 1024**2
    log_gb = (invoked * LOG_BYTES_PER_INVOCATION + (inbound + admin) * ACCESS_LOG_BYTES) / 1024**3
    front_gb = (admin * ADMIN_RESPONSE_KB + u["console loads"] * CONSOLE_LOAD_KB) / 1024**2
    front = (admin + 2 * u["console loads"]) * CLOUDFRONT_REQUEST + front_gb * CLOUDFRONT_GB
    return [
        ("AWS", "DynamoDB requests", sum(n * ops.cost() for n, ops in events)),
        ("AWS", "DynamoDB storage and PITR", stored_gb * (STORAGE_GB + PITR_GB)),
        ("AWS", "Lambda", invoked * LAMBDA_REQUEST + seconds * MEMORY_GB * LAMBDA_GB_SECOND),
        ("AWS", "X-Ray traces", invoked * XRAY_TRACE),
        ("AWS", "HTTP API", (inbound + admin) * HTTP_API_REQUEST),
        ("AWS", "SQS", (SQS_IDLE_POLLS + jobs * SQS_REQUESTS_PER_JOB) * SQS_REQUEST),
        ("AWS", "EventBridge Scheduler", (SCHEDULER_PASSES + RECONCILER_PASSES) * SCHEDULE_INVOCATION),
        ("AWS", "SNS", alerts * (SNS_PUBLISH + EMAILS_PER_ALERT * SNS_EMAIL)),
        ("AWS", "CloudWatch Logs", log_gb * (LOGS_INGEST_GB + MONTHS_STORED * LOGS_STORE_GB)),
        ("AWS", "CloudWatch metrics", METRICS * METRIC_MONTH),
        ("AWS", "CloudWatch alarms", ALARMS * ALARM_MONTH),
        ("AWS", "KMS", KMS_KEYS * KMS_KEY_MONTH + (KMS_REQUESTS + alerts) * KMS_REQUEST),
        ("AWS", "Secrets Manager", SECRET_MONTH + SECRET_CALLS * SECRET_CALL),
        ("AWS", "Cognito (Plus)", clinics * STAFF_PER_CLINIC * COGNITO_MAU),
        ("AWS", "CloudFront and S3", front),
        ("SMS", "Outbound segments", u["segments out"] * SMS_OUT),
        ("SMS", "Inbound segments", u["segments in"] * SMS_IN),
        ("SMS", "Carrier fees", u["segments out"] * CARRIER_OUT + u["segments in"] * CARRIER_IN),
        ("SMS", "Phone numbers", clinics * NUMBER_MONTH),
        ("SMS", "10DLC campaign", CAMPAIGNS * CAMPAIGN_MONTH),
    ]


def subtotals(lines: list[tuple[str, str, float]]) -> dict[str, float]:
    """AWS, SMS and their total, from the line items."""
    parts = {part: sum(cost for section, _, cost in lines if section == part) for part in ("AWS", "SMS")}
    return parts | {"total": sum(parts.values())}


def _row(name: str, one: float, group: float) -> str:
    return f"  {name:<28}{one:>12,.2f}{group:>14,.2f}"


def main() -> int:
    one, group = monthly(1), monthly(CLINICS)
    sums = [subtotals(one), subtotals(group)]
    print("Monthly cost, US$ (us-east-1 on-demand, Twilio US 10DLC; no free tier; a model: see the inputs)")
    print(f"  {'line item':<28}{'1 clinic':>12}{f'{CLINICS} clinics':>14}")
    for part in ("AWS", "SMS"):
        for (section, name, a), (_, _, b) in zip(one, group, strict=True):
            if section == part:
                print(_row(name, a, b))
        print(_row(f"{part} subtotal", sums[0][part], sums[1][part]) + "\n")
    print(_row("total", sums[0]["total"], sums[1]["total"]))
    print(_row("per patient", sums[0]["total"] / PATIENTS, sums[1]["total"] / (PATIENTS * CLINICS)))
    print(f"  one-time: 10DLC brand ${BRAND_ONCE:.2f} + campaign vetting ${VETTING_ONCE:.2f}")
    sms = {share: subtotals(monthly(1, share))["SMS"] / PATIENTS for share in (0.0, 1.0)}
    print(f"  SMS per patient if every patient reads English: ${sms[0.0]:.3f}; Spanish: ${sms[1.0]:.3f}")
    _wrapped("One clinic's month:", [f"{k} {v:,.0f}" for k, v in usage(1).items()])
    sent = {name: round(checkin(name)[1], 2) for name in ("anxiety-now", "gad7")}
    print(f"  segments of a reminder {TEXTS['reminder']:.2f}; of a check-in sent, on average: {sent}")
    inputs = [f"{k}={v}" for k, v in globals().items() if k.isupper() and k not in _imported]
    _wrapped("Inputs (each with its source in tests/bench/costs.py):", inputs)
    return 0


def _wrapped(title: str, items: list[str]) -> None:
    print(f"\n{title}\n" + textwrap.fill(", ".join(items), 108, initial_indent="  ", subsequent_indent="  "))


if __name__ == "__main__":
    raise SystemExit(main())
