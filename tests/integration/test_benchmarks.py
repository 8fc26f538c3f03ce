"""The benchmarks' counting claims, on small tables, so that `make bench` cannot rot unnoticed."""

from tests.bench import inbound, run


def test_a_scheduler_pass_costs_the_due_jobs_not_the_table_and_no_path_scans() -> None:
    small, large = run.scenario(10), run.scenario(300)

    assert small["sent"] == large["sent"] == run.DUE
    assert small["scheduler"] == large["scheduler"]
    assert small["scheduler"]["Scan"] + small["sender"]["Scan"] + large["sender"]["Scan"] == 0
    requests = sum(large["scheduler"].values()) + sum(large["sender"].values())
    assert requests / large["sent"] <= 5


def test_the_inbound_benchmark_signs_requests_the_handler_accepts() -> None:
    event = inbound.signed_event("C", "SM" + "0" * 32)

    assert event["isBase64Encoded"]
    assert event["headers"]["x-twilio-signature"]
