"""Entry point for Piccolo's own CLI (`piccolo migrations ...`): the real config is app.piccolo_conf."""

from app.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]
