"""JSON API: safety."""

from ninja import Router

router = Router(tags=["safety"])
