"""JSON API: consent."""

from ninja import Router

router = Router(tags=["consent"])
