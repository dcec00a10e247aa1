from django.urls import path

from . import views

app_name = "policies"

urlpatterns = [
    path("", views.home, name="home"),
    path("policies/", views.catalogue, name="catalogue"),
    path("policies/<slug:code>/", views.round_detail, name="round"),
    path("policies/<slug:code>/items/<str:item>/", views.item_detail, name="item"),
    path("match/", views.match, name="match"),
    path("calculator/", views.calculator, name="calculator"),
    path("calculator/quote/", views.calculator_quote, name="calculator_quote"),
]
