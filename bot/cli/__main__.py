"""`python -m bot.cli` runs the `treatybot` command line."""

from bot.cli import main

main()
