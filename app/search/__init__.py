"""Product search: one interface (model.SearchBackend), an embedded engine and a Meilisearch adapter."""
