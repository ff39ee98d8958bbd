"""JSON API: inventory."""

from ninja import Router

router = Router(tags=["inventory"])
