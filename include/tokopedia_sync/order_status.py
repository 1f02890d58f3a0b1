"""Tokopedia order status codes, their names, and which of them are final."""

from __future__ import annotations

ORDER_STATUS_NAMES: dict[int, str] = {
    0: "Seller cancel order",
    2: "Order Reject Replaced",
    3: "Order Reject Due Empty Stock",
    4: "Order Reject Approval",
    5: "Order Canceled by Fraud",
    6: "Order Rejected (Auto Cancel Out of Stock)",
    10: "Order rejected by seller",
    11: "Order Pending Replacement",
    15: "Instant Cancel by Buyer",
    100: "Order Created",
    103: "Wait for payment confirmation from third party",
    200: "Payment confirmation",
    220: "Payment verified, order ready to process",
    221: "Waiting for partner approval",
    400: "Seller accept order",
    401: "Buyer Request Cancel",
    450: "Waiting for pickup",
    500: "Order shipment",
    501: "Status changed to waiting resi have no input",
    520: "Invalid shipment reference number (AWB)",
    530: "Requested by user to correct invalid entry of shipment reference number",
    540: "Delivered to Pickup Point",
    550: "Return to Seller",
    600: "Order delivered",
    601: "Buyer open a case to finish an order",
    690: "Fraud Review",
    691: "Suspected Fraud",
    695: "Post Fraud Review",
    698: "Finish Fraud Review",
    699: "Order invalid or shipping more than 25 days and payment more than 5 days",
    700: "Order finished",
    701: "Order assumed as finished but the product not arrived yet to the buyer",
}

# An order in one of these statuses never changes again, so a sync can stop re-reading it.
FINAL_STATUSES: frozenset[int] = frozenset({0, 2, 3, 4, 5, 6, 10, 15, 550, 699, 700, 701})

PAYMENT_VERIFIED = 220
"""The first status the order list and the order webhooks ever show."""


def status_name(code: int) -> str:
    """The documented name of an order status code, or a placeholder for unknown codes."""
    return ORDER_STATUS_NAMES.get(code, f"Unknown status {code}")
