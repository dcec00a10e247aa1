"""Staff pages of the commission, under /review/. Each stage's views module holds its own patterns."""

from .views import decisions, documents, identity, intake

app_name = "reviews"

urlpatterns = [*intake.urlpatterns, *decisions.urlpatterns, *documents.urlpatterns, *identity.urlpatterns]
