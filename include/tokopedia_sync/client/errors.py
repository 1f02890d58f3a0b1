"""Typed errors of the Tokopedia client. Every message says what went wrong and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tokopedia_sync.client.bulk import BulkResult


class TokopediaError(Exception):
    """Base of every error the client raises.

    `status` is the HTTP status (None when no answer arrived), `error_code` and `reason` are
    Tokopedia's own, and `request` names the call ("GET /v2/order/list").
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        reason: str | None = None,
        request: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.reason = reason
        self.request = request


class ConfigurationError(TokopediaError, ValueError):
    """A connection or client setting is missing or malformed."""


class AuthenticationError(TokopediaError):
    """Tokopedia refused the credentials or the access token."""


class ShopNotLinkedError(TokopediaError):
    """The shop is not linked to the app's fs_id (403 RBAC_MDLW_001, formerly ORD_USC_015)."""


class PermissionDeniedError(TokopediaError):
    """Tokopedia refused access (403) for another reason than the shop link, such as a shop
    owner who has not given the app permission to use the API on the shop."""


class RateLimitedError(TokopediaError):
    """Tokopedia kept answering 429 for longer than the client may wait."""


class InvalidRequestError(TokopediaError):
    """Tokopedia rejected the request as invalid (4xx with an error_code and reason)."""


class NotFoundError(InvalidRequestError):
    """The order, product or upload does not exist (or is not visible to this app)."""


class ServerError(TokopediaError):
    """Tokopedia failed on its side (5xx) on every try."""


class MalformedResponseError(ServerError):
    """The answer could not be read as Tokopedia JSON."""


class TransportError(TokopediaError):
    """No usable answer arrived: timeouts or dropped connections on every try."""


class AmbiguousWriteError(TokopediaError):
    """A write that is not safe to repeat failed in a way that leaves its outcome unknown."""


class PartialBulkError(TokopediaError):
    """A bulk write stopped part way. Tokopedia already answered some rows: record them.

    `result` holds the rows answered (succeeded and failed), `unsent` the input rows that got no
    answer and may be sent again. Rows of the batch in flight when the call failed are among
    `unsent`; Tokopedia may have applied them.
    """

    def __init__(
        self,
        message: str,
        *,
        result: BulkResult,
        unsent: list[Any],
        **details: Any,
    ) -> None:
        super().__init__(message, **details)
        self.result = result
        self.unsent = unsent
