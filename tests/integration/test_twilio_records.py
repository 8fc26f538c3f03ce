"""Twilio's own records of what it took, read through the real Twilio SDK from the fake Twilio:
what settles a send whose outcome is unknown. All pages of the Messages list, filtered by `To`
and by the DateSent window (cut to the exact instant here, Twilio filters to the second); a
message whose send timed out or lost its connection is in them, one Twilio refused (429, 500) is
not; a message fetched by SID as Twilio holds it now, None for a SID it never took. And the
outbox's records, for a machine without Twilio.
"""

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException

from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.integration.sender_world import ACCOUNT_SID, AUTH_TOKEN, CLINIC_NUMBER, STATUS_CALLBACK
from touchpoint.adapters import twilio_sms
from touchpoint.adapters.twilio_sms import OutboxSms, TwilioSms
from touchpoint.domain.delivery import SentSms, SmsOutcomeUnknown, SmsRetryLater
from touchpoint.domain.ports.sms import SmsRecords

pytestmark = pytest.mark.enable_socket  # the fake Twilio listens on 127.0.0.1

PHONE = "+15551230001"
OTHER_PHONE = "+15551230002"
T0 = datetime(2030, 3, 5, 18, 0, tzinfo=UTC)
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


class Clock:
    """The fake Twilio's "now", moved by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def twilio(clock: Clock) -> Iterator[FakeTwilio]:
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as server:
        server.clock = clock
        yield server


@pytest.fixture
def sms(twilio: FakeTwilio) -> TwilioSms:
    return TwilioSms(ACCOUNT_SID, AUTH_TOKEN, STATUS_CALLBACK, twilio.base_url, page_size=50)


def send(sms: TwilioSms, to: str = PHONE, body: str = "Hi") -> str:
    return sms.send(to=to, sender=CLINIC_NUMBER, body=body).sid


def test_both_gateways_are_sms_records(sms: TwilioSms) -> None:
    records: list[SmsRecords] = [sms, OutboxSms(io.StringIO())]  # mypy checks the protocol
    assert all(record.sent_to(PHONE, T0, T0) == [] for record in records)


# ---- the Messages list, all pages ----


def test_all_pages_are_read_newest_first_and_only_for_that_number(
    sms: TwilioSms, twilio: FakeTwilio, clock: Clock
) -> None:
    sids = []
    for n in range(120):
        clock.now = T0 + timedelta(seconds=n)
        sids.append(send(sms, body=f"message {n}"))
    send(sms, to=OTHER_PHONE)
    before = len(twilio.requests)

    found = sms.sent_to(PHONE, T0, T0 + timedelta(seconds=119))

    assert [sent.sid for sent in found] == sids[::-1]
    assert {sent.to for sent in found} == {PHONE}
    assert found[0] == SentSms(
        sid=sids[-1],
        to=PHONE,
        body="message 119",
        status="sent",
        sent_at=T0 + timedelta(seconds=119),
        error_code=None,
    )
    pages = twilio.requests[before:]
    assert [request.method for request in pages] == ["GET"] * 3
    assert all(request.path == MESSAGES_PATH for request in pages)
    assert all(request.auth == (ACCOUNT_SID, AUTH_TOKEN) for request in pages)
    first, second, third = (request.params for request in pages)
    assert first == {
        "To": PHONE,
        "DateSent>": "2030-03-05T18:00:00Z",
        "DateSent<": "2030-03-05T18:01:59Z",
        "PageSize": "50",
    }
    assert (second["Page"], third["Page"]) == ("1", "2")
    assert second["PageToken"] == "PA" + sids[120 - 50]  # after the last message of page 0
    assert len(twilio.messages) == 121  # the GETs are not messages Twilio took


def test_the_date_sent_window_keeps_what_was_sent_in_it_and_drops_what_was_just_outside(
    sms: TwilioSms, clock: Clock
) -> None:
    since, until = T0, T0 + timedelta(minutes=5)
    sent_at = {
        "just before": since - timedelta(seconds=1),
        "at since": since,
        "inside": since + timedelta(minutes=2),
        "at until": until,
        "just after": until + timedelta(seconds=1),
        "a day later": until + timedelta(days=1),
    }
    sids = {}
    for name, at in sent_at.items():
        clock.now = at
        sids[name] = send(sms, body=name)

    found = sms.sent_to(PHONE, since, until)

    assert [sent.body for sent in found] == ["at until", "inside", "at since"]
    assert [sent.sent_at for sent in found] == [until, since + timedelta(minutes=2), since]


def test_the_window_is_exact_to_the_instant_though_twilio_filters_to_the_second(
    sms: TwilioSms, twilio: FakeTwilio, clock: Clock
) -> None:
    for seconds in (0, 1, 2, 3):
        clock.now = T0 + timedelta(seconds=seconds)
        send(sms, body=f"at {seconds}s")
    before = len(twilio.requests)

    found = sms.sent_to(PHONE, T0 + timedelta(seconds=0.5), T0 + timedelta(seconds=2.5))

    assert [sent.body for sent in found] == ["at 2s", "at 1s"]
    [query] = [request.params for request in twilio.requests[before:]]
    # Twilio is asked for whole seconds around the window; what falls outside it is cut here.
    assert (query["DateSent>"], query["DateSent<"]) == ("2030-03-05T18:00:00Z", "2030-03-05T18:00:03Z")


def test_the_window_may_be_given_in_any_time_zone(sms: TwilioSms, clock: Clock) -> None:
    send(sms)
    new_york = T0.astimezone(ZoneInfo("America/New_York"))

    [found] = sms.sent_to(PHONE, new_york - timedelta(seconds=1), new_york + timedelta(seconds=1))

    assert found.sent_at == T0
    assert found.sent_at.tzinfo == UTC


def test_the_fake_filters_by_date_and_from_as_twilio_does(sms: TwilioSms, clock: Clock) -> None:
    clock.now = T0 - timedelta(days=1)
    send(sms, body="yesterday")
    clock.now = T0
    send(sms, body="today")

    def bodies(**filters: Any) -> list[str]:
        return [str(message.body) for message in sms.client.messages.list(**filters)]

    assert bodies(date_sent_after="2030-03-05") == ["today"]
    assert bodies(date_sent_before="2030-03-04") == ["yesterday"]
    assert bodies(date_sent="2030-03-04") == ["yesterday"]
    assert bodies(from_=CLINIC_NUMBER) == ["today", "yesterday"]
    assert bodies(from_="+15005550001") == []
    assert bodies(to=OTHER_PHONE) == []


def test_the_list_answers_twilio_s_page_shape(sms: TwilioSms, twilio: FakeTwilio) -> None:
    sids = [send(sms, body=f"m{n}") for n in range(3)]
    response = sms.client.request(
        "GET", twilio.base_url + MESSAGES_PATH, params={"To": PHONE, "PageSize": "2"}
    )
    assert response.status_code == 200
    page = json.loads(response.text)

    assert {key for key in page if key != "messages"} == {
        "end",
        "first_page_uri",
        "next_page_uri",
        "page",
        "page_size",
        "previous_page_uri",
        "start",
        "uri",
    }
    assert (page["page"], page["page_size"], page["start"], page["end"]) == (0, 2, 0, 1)
    assert page["previous_page_uri"] is None
    assert page["first_page_uri"] == f"{MESSAGES_PATH}?To=%2B15551230001&PageSize=2&Page=0"
    assert page["next_page_uri"] == (
        f"{MESSAGES_PATH}?To=%2B15551230001&PageSize=2&Page=1&PageToken=PA{sids[1]}"
    )
    assert [message["body"] for message in page["messages"]] == ["m2", "m1"]

    last = sms.client.request("GET", twilio.base_url + page["next_page_uri"])
    last_page = json.loads(last.text)
    assert [message["body"] for message in last_page["messages"]] == ["m0"]
    assert (last_page["page"], last_page["start"], last_page["end"]) == (1, 2, 2)
    assert last_page["next_page_uri"] is None
    assert last_page["previous_page_uri"] is not None


def test_the_list_checks_basic_auth(twilio: FakeTwilio) -> None:
    intruder = TwilioSms(ACCOUNT_SID, "wrong-token", STATUS_CALLBACK, twilio.base_url)

    with pytest.raises(TwilioException, match="Unable to fetch page"):  # the SDK's, for a list
        intruder.sent_to(PHONE, T0, T0)

    assert twilio.requests[-1].status == 401


# ---- what Twilio took, whatever the client learnt ----


def test_a_send_whose_connection_dropped_is_in_twilio_s_records(sms: TwilioSms, twilio: FakeTwilio) -> None:
    twilio.script(Reply.DROP)
    with pytest.raises(SmsOutcomeUnknown):
        send(sms, body="dropped")

    [found] = sms.sent_to(PHONE, T0, T0)

    [taken] = twilio.messages
    assert (found.sid, found.body, found.status) == (taken.sid, "dropped", "sent")


def test_a_send_that_timed_out_is_in_twilio_s_records(
    twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(twilio_sms, "TWILIO_TIMEOUT_SECONDS", 0.5)
    impatient = TwilioSms(ACCOUNT_SID, AUTH_TOKEN, STATUS_CALLBACK, twilio.base_url)
    twilio.script(Reply.STALL)
    with pytest.raises(SmsOutcomeUnknown):
        send(impatient, body="stalled")

    [found] = impatient.sent_to(PHONE, T0, T0)

    [taken] = twilio.messages
    assert (found.sid, found.body) == (taken.sid, "stalled")


@pytest.mark.parametrize(
    ("reply", "error"),
    [(Reply.TOO_MANY_REQUESTS, SmsRetryLater), (Reply.SERVER_ERROR, SmsOutcomeUnknown)],
)
def test_a_send_twilio_refused_is_not_in_its_records(
    sms: TwilioSms, twilio: FakeTwilio, reply: Reply, error: type[Exception]
) -> None:
    twilio.script(reply)
    with pytest.raises(error):
        send(sms, body="refused")
    kept = send(sms, body="kept")

    found = sms.sent_to(PHONE, T0 - timedelta(hours=1), T0 + timedelta(hours=1))

    assert [sent.sid for sent in found] == [kept]


# ---- one message, as Twilio holds it now ----


def test_status_of_a_known_sid_is_what_twilio_holds_now(sms: TwilioSms, twilio: FakeTwilio) -> None:
    sid = send(sms, body="hello")
    assert sms.status_of(sid) == SentSms(sid, PHONE, "hello", "sent", T0, None)

    twilio.set_status(sid, "delivered")
    assert sms.status_of(sid) == SentSms(sid, PHONE, "hello", "delivered", T0, None)

    twilio.set_status(sid, "undelivered", error_code=30003)
    assert sms.status_of(sid) == SentSms(sid, PHONE, "hello", "undelivered", T0, "30003")
    fetch = twilio.requests[-1]
    assert (fetch.method, fetch.path, fetch.status) == (
        "GET",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
        200,
    )


def test_status_of_an_unknown_sid_is_none(sms: TwilioSms, twilio: FakeTwilio) -> None:
    twilio.script(Reply.SERVER_ERROR)
    with pytest.raises(SmsOutcomeUnknown):
        send(sms)

    assert sms.status_of("SM" + "7" * 32) is None
    assert twilio.requests[-1].status == 404


def test_status_of_other_errors_are_raised(twilio: FakeTwilio) -> None:
    intruder = TwilioSms(ACCOUNT_SID, "wrong-token", STATUS_CALLBACK, twilio.base_url)

    with pytest.raises(TwilioRestException):
        intruder.status_of("SM" + "7" * 32)


# ---- the outbox's records ----


def test_the_outbox_answers_from_what_it_sent() -> None:
    clock = Clock(T0)
    outbox = OutboxSms(io.StringIO(), clock=clock)
    first = outbox.send(to=PHONE, sender=CLINIC_NUMBER, body="one").sid
    clock.now = T0 + timedelta(minutes=1)
    outbox.send(to=OTHER_PHONE, sender=CLINIC_NUMBER, body="elsewhere")
    clock.now = T0 + timedelta(minutes=2)
    second = outbox.send(to=PHONE, sender=CLINIC_NUMBER, body="two").sid
    clock.now = T0 + timedelta(minutes=3)
    outbox.send(to=PHONE, sender=CLINIC_NUMBER, body="later")

    found = outbox.sent_to(PHONE, T0, T0 + timedelta(minutes=2))

    assert [sent.sid for sent in found] == [second, first]
    assert found[1] == SentSms(first, PHONE, "one", "sent", T0, None)
    assert outbox.sent[0].sent_at == T0
    assert outbox.status_of(second) == SentSms(second, PHONE, "two", "sent", T0 + timedelta(minutes=2))
    assert outbox.status_of("SM" + "7" * 32) is None


def test_outbox_entries_keep_their_fields_and_stamp_wall_clock_utc() -> None:
    outbox = OutboxSms(io.StringIO())
    outbox.send(to=PHONE, sender=CLINIC_NUMBER, body="now")
    [entry] = outbox.sent

    assert (entry.to, entry.sender, entry.body) == (PHONE, CLINIC_NUMBER, "now")
    assert entry.sent_at is not None
    assert entry.sent_at.tzinfo is not None
    assert abs(entry.sent_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert twilio_sms.OutboxEntry("SM1", PHONE, CLINIC_NUMBER, "old").sent_at is None
