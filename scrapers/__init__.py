"""Reading treaties.un.org: page model, pure parsers and the polite fetcher.

Knows nothing of `store` or `bot`.
"""
