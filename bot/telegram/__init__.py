"""The Telegram channel: conversation, membership, paced alert delivery.

- `pacing`: the pure Pacer (global rate with bursts, per-chat spacing, group windows, pauses);
- `gate`: the asyncio Gate every send waits at (oldest first; a slow chat never blocks others);
- `sender`: `TelegramChannel`, the delivery core's channel (digests, error mapping);
- `logic`, `texts`: pure argument parsing, matching, keyboards and HTML replies;
- `conversation`, `handlers`, `buttons`, `membership`: python-telegram-bot handlers;
- `app`: building the Bot and the Application, started and stopped by `bot/service.py`.
"""
