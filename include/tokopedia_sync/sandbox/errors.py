"""Tokopedia's error answers as the sandbox gives them.

Codes and message strings follow the API reference. Where the reference documents no code for a
case (a missing field, a per_page over the limit), the sandbox uses the nearest documented code of
the same domain and layer and says what is wrong in `reason`, which is what clients should show.
"""

from __future__ import annotations

MSG_SUCCESS = "Your request has been processed successfully"
MSG_MALFORMED = "We could not process your request due to malformed request, please check again"
MSG_SERVER = "Our server encounters an error, please try again later"

ROW_THROTTLED = "ERR_TOO_MANY_REQUEST"
ROW_BAD_PRODUCT = "Invalid Product ID."
ROW_BAD_SKU = "Invalid SKU."


class ApiError(Exception):
    """An error answer in the `{header, data: null}` envelope."""

    def __init__(self, status: int, error_code: str, reason: str, messages: str = MSG_MALFORMED):
        super().__init__(f"{status} {error_code}: {reason}")
        self.status = status
        self.error_code = error_code
        self.reason = reason
        self.messages = messages


def bad_request(error_code: str, reason: str) -> ApiError:
    return ApiError(400, error_code, reason)


def not_found(error_code: str, reason: str = "Data Not Found") -> ApiError:
    # The reference shows ORD_API_008 "Data Not Found" with the server-error message; the HTTP
    # status is not documented. The sandbox answers 404 so that clients can tell it from a fault.
    return ApiError(404, error_code, reason, MSG_SERVER)


def shop_not_linked(shop_id: int | str) -> ApiError:
    # Since 17 Oct 2022 Tokopedia answers 403 RBAC_MDLW_001 here; before, 500 ORD_USC_015.
    return ApiError(
        403,
        "RBAC_MDLW_001",
        f"fs_id is not associated with shop_id {shop_id}",
        "Forbidden",
    )


def require_int(value: object, field: str, error_code: str) -> int:
    """An int from JSON, refusing bools, floats with fractions and numeric strings."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(
            error_code, f"Invalid field [{field}] format, value [{value}] should be int"
        )
    return value
