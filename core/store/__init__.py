"""Storage: the Store port and its implementations."""

from core.store.port import OutboxItem, Store

__all__ = ["OutboxItem", "Store"]
