"""Celery app. Settings come from Django's settings with the CELERY_ prefix."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changning_ai.settings")

app = Celery("changning_ai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Audit records written by a task name the task as their actor (a task has no user or IP). A task run
# eagerly inside a request keeps the request's user.
_audit_tokens: dict[str, object] = {}


@task_prerun.connect
def _audit_actor_for_task(task_id=None, task=None, **kwargs):
    from audit.context import _current, current_actor

    actor = current_actor()
    if getattr(actor.user, "is_authenticated", False):
        return
    _audit_tokens[task_id] = _current.set(type(actor)(label=f"任务 {task.name}"))


@task_postrun.connect
def _audit_actor_reset(task_id=None, **kwargs):
    from audit.context import _current

    token = _audit_tokens.pop(task_id, None)
    if token is not None:
        _current.reset(token)
