"""Model services (BentoML) and the thin HTTP clients the API uses to call them.
Services import models and features, never ``platform_api``."""
