"""flowstate: an asyncio engine for durable, long-running flows."""

__all__: list[str] = []
