"""The fault table: each fault test records its row as a user property (which travels with the
reports under xdist), and the root conftest prints the rows at the end of any run that has them."""

from typing import Any

TABLE_ROW = "fault_table_row"


def print_fault_table(terminalreporter: Any) -> None:
    """The fault table: one row per fault run, from every worker (user properties travel with
    the reports under xdist)."""
    rows = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
        if name == TABLE_ROW
    ]
    if not rows:
        return
    columns = ("planned", "sent", "duplicates", "lost", "unknown_left", "unknown", "retried", "reconciled")
    width = max(len(row["fault"]) for row in rows)
    terminalreporter.section("fault table (unknown, retried, reconciled: counted during the ticks)")
    terminalreporter.write_line(
        f"{'fault':<{width}}  " + "  ".join(f"{c:>12}" for c in columns) + "  reasons"
    )
    for row in sorted(rows, key=lambda row: row["fault"]):
        cells = "  ".join(f"{row[c]:>12}" for c in columns)
        terminalreporter.write_line(f"{row['fault']:<{width}}  {cells}  {row['other']}")
        if row["at_fault"]:
            terminalreporter.write_line(
                f"{'':<{width}}  right after the fault, the clinic saw: {row['at_fault']}"
            )
