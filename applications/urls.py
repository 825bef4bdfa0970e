from django.urls import path

from .apply import views

app_name = "applications"

urlpatterns = [
    path("apply/receipt/<str:reference>/", views.receipt, name="receipt"),
    path("apply/receipt/<str:reference>/annex4.docx", views.annex4, name="annex4"),
    path("status/", views.status_lookup, name="status_lookup"),
    path("status/<str:reference>/", views.status_page, name="status"),
]
