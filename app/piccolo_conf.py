"""Piccolo configuration: the engine comes from settings (DATABASE_URL)."""

from piccolo.conf.apps import AppRegistry

from app.core.database import engine_from_url
from app.core.settings import get_settings

DB = engine_from_url(get_settings().database_url)

APP_REGISTRY = AppRegistry(apps=["app.piccolo_app"])
