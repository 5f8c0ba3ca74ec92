"""Charts of a treaty's history: one pure data series (`series`), drawn as SVG for the status
page and PNG for Telegram by the same renderer (`render`, matplotlib imported lazily).
"""
