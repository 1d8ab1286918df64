"""SQL implementations of the storage port, one mixin per aggregate (combined in storage.repository)."""
