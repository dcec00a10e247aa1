from django.urls import path

from . import views

app_name = "administration"

urlpatterns = [
    # The system administrator (系统管理员): accounts.
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    # The security administrator (安全管理员): roles, login locks, the password policy.
    path("security/roles/", views.roles, name="roles"),
    path("security/roles/<int:pk>/", views.role_edit, name="role_edit"),
    path("security/locks/", views.locks, name="locks"),
    path("security/locks/unlock/", views.unlock, name="unlock"),
    path("security/password-policy/", views.password_policy, name="password_policy"),
]
