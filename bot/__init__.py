"""SnowOps top floor: settings, composition root, aiohttp server, CLI."""
