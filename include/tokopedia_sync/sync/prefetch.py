"""Read the next pages from Tokopedia while the current ones are being loaded into Postgres."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def prefetched(items: Iterable[T], depth: int = 3) -> Iterator[T]:
    """Yield `items` in order while a background thread produces up to `depth` ahead.

    Memory stays bounded by `depth`. An error in the producer is raised here, in the consumer;
    a consumer that stops early stops the producer too.
    """
    ahead: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            offer(exc)
            return
        offer(_DONE)

    producer = threading.Thread(target=produce, name="tokopedia-prefetch", daemon=True)
    producer.start()
    try:
        while True:
            item = ahead.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        producer.join()
