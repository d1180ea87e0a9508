"""The ASGI application: factory, middleware, error handling, lifespan."""
