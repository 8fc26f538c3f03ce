"""Errors the domain raises; the handlers map each class to one HTTP status."""


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """The caller sent something the domain refuses (HTTP 422)."""

    code = "invalid_input"


class BadRequest(DomainError):
    """A request that cannot be read: not JSON, too deep, numbers or ids out of bounds (HTTP 400)."""

    code = "bad_request"


class PayloadTooLarge(DomainError):
    """A body past what the route reads (HTTP 413)."""

    code = "payload_too_large"


class InvalidQuery(DomainError):
    """A query parameter the domain refuses (HTTP 400)."""

    code = "invalid_query"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The request clashes with what is stored (HTTP 409); `existing_id` names the record it
    clashes with (the patient who has that phone, the appointment with that external id)."""

    code = "conflict"

    def __init__(self, message: str, field: str | None = None, existing_id: str | None = None) -> None:
        super().__init__(message, field)
        self.existing_id = existing_id
