"""JSON API: sessions."""

from ninja import Router

router = Router(tags=["sessions"])
