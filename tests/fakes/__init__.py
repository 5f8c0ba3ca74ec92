"""Local fakes that speak real protocols over loopback (Telegram Bot API, webhook receivers)."""
