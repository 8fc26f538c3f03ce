"""What each benchmark ends with: its targets, `ok` or `FAIL`, and an exit status that says which."""


def report(checks: dict[str, bool]) -> int:
    print()
    for name, held in checks.items():
        print(f"{'ok  ' if held else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1
