"""Who's Responsible? — a Slack and Discord study bot for the AWS Shared Responsibility Model."""

__version__ = "0.1.0"
