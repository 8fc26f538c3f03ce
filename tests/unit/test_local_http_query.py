"""The local stack hands the functions the query string as API Gateway does: percent-decoded,
a `+` kept (API Gateway does not read it as a space), repeated names joined by commas."""

from infra.local_http import query_parameters


def test_query_values_are_percent_decoded_as_api_gateway_does() -> None:
    assert query_parameters("phone=%2B15551230001&q=Ana%20Maria&cursor=eyJ4IjoxfQ%3D%3D") == {
        "phone": "+15551230001",
        "q": "Ana Maria",
        "cursor": "eyJ4IjoxfQ==",
    }


def test_a_plus_stays_a_plus_and_a_repeated_name_joins_its_values() -> None:
    assert query_parameters("phone=+15551230001&status=sent&status=failed") == {
        "phone": "+15551230001",
        "status": "sent,failed",
    }


def test_no_query_is_none() -> None:
    assert query_parameters("") is None
    assert query_parameters("flag") is None
