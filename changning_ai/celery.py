"""Celery app. Settings come from Django's settings with the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changning_ai.settings")

app = Celery("changning_ai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
