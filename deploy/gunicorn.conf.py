"""gunicorn's configuration for the portal: `gunicorn -c deploy/gunicorn.conf.py changning_ai.wsgi`.

Every value can be changed from the environment (the systemd unit's EnvironmentFile) without editing this
file; the defaults suit one host behind deploy/nginx/changning-ai.conf.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:  # a typo must stop the start, not run with a surprise
        raise SystemExit(f"gunicorn.conf.py: {name} must be an integer, not {value!r}") from exc


# Loopback only: nginx in front is the only client. Another host's proxy needs GUNICORN_BIND=0.0.0.0:8000
# and FORWARDED_ALLOW_IPS set to that proxy's address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers, (2 × cores) + 1 as gunicorn's documentation suggests; each request that renders a PDF
# holds its worker for a few hundred milliseconds, so processes, not threads.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
# A request longer than this is killed (the worker restarted): long jobs are Celery tasks, not requests.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM (systemctl stop/restart), requests under way get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle a worker after this many requests (± jitter, so they do not all restart at once): a slow leak in
# a library never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Load the application before forking: a broken setting fails the start, once, with its message.
preload_app = True
# X-Forwarded-* headers are believed from these addresses only (the local nginx). Django itself decides
# separately, from BEHIND_PROXY, whether to believe X-Forwarded-Proto and X-Real-IP.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Request limits in front of Django's own (DATA_UPLOAD_MAX_*): a request line or header beyond these is
# refused by gunicorn itself.
limit_request_line = 8190
limit_request_fields = 100
# Logs to stderr, collected by journald. The access log names the real client (X-Real-IP from nginx), the
# request, status, size, duration in microseconds and the user agent.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%({x-real-ip}i)s %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(D)sus "%(f)s" "%(a)s"'
proc_name = "changning-ai"
