"""The cross-border storefront application package."""

import os

# Piccolo finds its engine through this module (piccolo_conf.py at the top level re-exports it).
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
