"""The platform-free domain. Never imports a platform SDK or a database driver (a test enforces it)."""
