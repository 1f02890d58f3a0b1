"""A Tokopedia Open API client that knows nothing of Airflow."""

from tokopedia_sync.client.budget import LocalBudget, PostgresBudget
from tokopedia_sync.client.bulk import BulkResult, RowFailure
from tokopedia_sync.client.client import TokopediaClient
from tokopedia_sync.client.config import ClientConfig
from tokopedia_sync.client.errors import (
    AmbiguousWriteError,
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    PartialBulkError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    ShopNotLinkedError,
    TokopediaError,
    TransportError,
)

__all__ = [
    "AmbiguousWriteError",
    "AuthenticationError",
    "BulkResult",
    "ClientConfig",
    "ConfigurationError",
    "InvalidRequestError",
    "LocalBudget",
    "MalformedResponseError",
    "NotFoundError",
    "PartialBulkError",
    "PermissionDeniedError",
    "PostgresBudget",
    "RateLimitedError",
    "RowFailure",
    "ServerError",
    "ShopNotLinkedError",
    "TokopediaClient",
    "TokopediaError",
    "TransportError",
]
