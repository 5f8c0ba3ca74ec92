"""The Telegram channel: pacing now; the dispatcher and the bot's commands come next."""
