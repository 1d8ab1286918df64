"""The Slack adapter: slack-bolt's AsyncApp (Socket Mode or HTTP), Block Kit rendering, OAuth installs."""
