"""What every route, fault and limit gives back, before the socket handler sends it."""

from __future__ import annotations

from typing import Any

#: Status, headers and payload: JSON-able data, a resolver's file as text, or ``None`` (a 304).
Answer = tuple[int, dict[str, str], Any]
