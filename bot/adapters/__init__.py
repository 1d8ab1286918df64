"""Platform adapters: translate platform payloads to events and render cards for the platform."""
