"""What each benchmark starts and ends with: an environment that reaches no real AWS, and its
targets, `ok` or `FAIL`, with an exit status that says which."""

import os


def offline_aws(**settings: str) -> None:
    """Credentials and a region for the embedded AWS emulation only, quiet logs, and `settings`;
    no profile, session token or endpoint of the developer's."""
    os.environ.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
        POWERTOOLS_LOG_LEVEL="WARNING",
        LOG_LEVEL="WARNING",
        **settings,
    )
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)


def report(checks: dict[str, bool]) -> int:
    print()
    for name, held in checks.items():
        print(f"{'ok  ' if held else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1
