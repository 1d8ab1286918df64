"""Tests of the Slack adapter against FakeSlack."""
