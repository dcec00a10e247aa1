"""The names of a user's groups (their roles), read once per user object.

In the project package, not in an app, because the lowest app (audit) needs it as much as the highest:
role checks, the staff navigation and every audit record of one request share the one query.
"""

CACHE_ATTRIBUTE = "_role_names"


def group_names(user) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if not hasattr(user, CACHE_ATTRIBUTE):
        setattr(user, CACHE_ATTRIBUTE, frozenset(user.groups.values_list("name", flat=True)))
    return getattr(user, CACHE_ATTRIBUTE)


def forget_group_names(user) -> None:
    """After the user's roles change, so this object does not keep answering with the old ones."""
    user.__dict__.pop(CACHE_ATTRIBUTE, None)
