from django.urls import path

from .apply import upload_views, views

app_name = "applications"

urlpatterns = [
    path("apply/receipt/<str:reference>/", views.receipt, name="receipt"),
    path("apply/receipt/<str:reference>/annex4.docx", views.annex4, name="annex4"),
    path("apply/draft/<str:signed>/", views.resume_draft, name="resume_draft"),
    path("apply/<int:page_id>/uploads/", upload_views.begin, name="upload_begin"),
    path("apply/uploads/<uuid:public_id>/", upload_views.detail, name="upload"),
    path("apply/uploads/<uuid:public_id>/parts/<int:number>/", upload_views.part, name="upload_part"),
    path("apply/uploads/<uuid:public_id>/finish/", upload_views.finish, name="upload_finish"),
    path("status/", views.status_lookup, name="status_lookup"),
    path("status/<str:reference>/", views.status_page, name="status"),
]
