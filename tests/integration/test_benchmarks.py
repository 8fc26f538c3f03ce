"""The benchmarks' counting claims, on small tables, so that `make bench` cannot rot unnoticed."""

from infra.quick_moto import one_backup_per_transaction
from tests.bench import inbound, run


def test_a_scheduler_pass_costs_the_due_jobs_not_the_table_and_no_path_scans() -> None:
    # Requests are counted at the client: moto backing a table up once per transaction, not once
    # per item of it, changes no answer and no count (infra/quick_moto.py).
    with one_backup_per_transaction():
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


def test_the_webhook_function_imports_neither_the_twilio_rest_client_pydantic_nor_the_crisis_rules_at_cold_start() -> (
    None
):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    probe = "import sys, touchpoint.handlers.inbound; print(sorted({'twilio.rest', 'pydantic', 'aws_xray_sdk', 'touchpoint.domain.crisis_grammar'} & set(sys.modules)))"
    loaded = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": f"{root / 'functions'}:{root}", "PATH": "/usr/bin:/bin"},
    ).stdout.strip()

    assert loaded == "[]"
