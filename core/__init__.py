"""SnowOps core: platform-agnostic models, command grammar, services, views and ports."""
