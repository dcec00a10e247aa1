"""Work done in a fresh child process, so that what it leaves behind in memory dies with it.

A process that renders many documents with WeasyPrint grows (fonts, Pango and HarfBuzz caches, the
Python heap's high-water mark) and never gives the memory back; issue 17 measured 163 MB → ~790 MB over
100 notices. Batch rendering therefore forks a child per N documents (disbursement.notice_jobs): the
child inherits the loaded code (no start-up cost), does its N documents and exits, and the parent's own
size does not move.

os.fork, not multiprocessing: a Celery prefork worker's process is daemonic, and multiprocessing refuses
to start children from it ("daemonic processes are not allowed to have children"). Linux only, as the
deployment is.
"""

from __future__ import annotations

import os
import pickle
import resource


class ChildFailed(RuntimeError):
    """The child raised (its exception's type and message) or died without an answer."""


def run_in_child(function, *args):
    """function(*args) run in a forked child; its (picklable) return value, or ChildFailed."""
    from django.db import connections

    if any(connection.in_atomic_block for connection in connections.all(initialized_only=True)):
        # Closing the connection below would roll the transaction back, and the child could not see
        # its uncommitted rows anyway: callers fork from outside a transaction (a task, on commit).
        raise RuntimeError("run_in_child inside a transaction")
    # The child must not share the parent's database sockets: both would talk over one connection.
    # Closed here, each side opens its own on its next query.
    connections.close_all()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        code = 0
        try:
            payload = pickle.dumps((True, function(*args)))
        except BaseException as exc:  # everything goes back to the parent as a message
            payload = pickle.dumps((False, f"{type(exc).__name__}: {exc}"))
            code = 1
        try:
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            connections.close_all()
        finally:
            os._exit(code)  # no atexit handlers, no flushing of the parent's buffers twice
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    os.waitpid(pid, 0)
    if not payload:
        raise ChildFailed("the rendering process ended without an answer (killed, or out of memory)")
    ok, value = pickle.loads(payload)  # noqa: S301 — written by our own forked child, through our own pipe
    if not ok:
        raise ChildFailed(value)
    return value


def children_peak_rss_mb() -> float:
    """The largest resident size any finished child of this process reached, in MB (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
