"""`make tour`'s code path: README.md's walk-through runs as written against a fresh local stack."""

import os

import pytest

from infra import tour


def test_the_readme_walk_through_runs_top_to_bottom_on_a_fresh_stack(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith(("TOUCHPOINT_", "TWILIO_")) or name == "AWS_ENDPOINT_URL":
            monkeypatch.delenv(name)

    status = tour.main()

    out, err = capsys.readouterr()
    assert status == 0, f"{out}\n{err}"
    assert f"tour passed: {len(tour.blocks(tour.README.read_text(encoding='utf-8')))} blocks" in out


def test_the_tour_marks_a_block_whose_output_drifted() -> None:
    block = tour.Block(1, 10, 'echo \'{"queued": 1, "sent": 0}\'\n#> {"queued": 1, "sent": 1, ...}\n')

    assert tour.missing_output(block, '{"queued": 1, "sent": 0}') == '{"queued": 1, "sent": 1, ...}'
    assert tour.missing_output(block, '{"queued": 1, "sent": 1, "failed": 0}') is None


def test_ids_and_instants_may_differ_from_the_readme_but_nothing_else() -> None:
    block = tour.Block(1, 10, '#> {"clinic_id":"cl_0dc2","created_at":"2026-12-01T15:56:06Z"}\n')

    assert tour.missing_output(block, '{"clinic_id":"cl_9f31","created_at":"2027-01-05T09:00:00Z"}') is None
    assert (
        tour.missing_output(block, '{"clinic_id":"cl_9f31","updated_at":"2027-01-05T09:00:00Z"}') is not None
    )
