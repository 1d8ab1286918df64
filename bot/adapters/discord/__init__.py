"""The Discord adapter: discord.py's gateway client and app commands, translated to and from the core."""
