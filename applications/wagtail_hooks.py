from django.urls import include, path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.ui.components import Component

from . import permissions
from .models import ApplicationFormPage
from .review import dashboard
from .review import views as review_views


@hooks.register("filter_form_submissions_for_user")
def hide_applications_from_generic_form_listing(user, editable_forms):
    """Applications carry personal data: they are read in the review area with its scoping rule, never in
    Wagtail's generic form-submissions listing (which any editor of the page could open)."""
    return editable_forms.not_type(ApplicationFormPage)


@hooks.register("register_admin_urls")
def register_review_urls():
    return [path("applications/", include((review_views.admin_urls(), "applications_admin"), namespace="applications_admin"))]


class ReviewerMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_review(request.user)


class CityOfficeMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.is_city_office(request.user)


review_menu = Menu(
    items=[
        ReviewerMenuItem("申报列表", "/admin/applications/", name="applications-list", icon_name="list-ul", order=1),
        ReviewerMenuItem("审计日志", "/admin/applications/audit/", name="applications-audit", icon_name="history", order=2),
        CityOfficeMenuItem("立项名单", "/admin/applications/results/", name="applications-results", icon_name="list-ol", order=3),
    ]
)


class ReviewSubmenu(SubmenuMenuItem):
    def is_shown(self, request):
        return permissions.can_review(request.user)


@hooks.register("register_admin_menu_item")
def register_review_menu():
    return ReviewSubmenu("申报评审", review_menu, name="applications", icon_name="form", order=150)


class ReviewDashboard(Component):
    order = 50
    template_name = "applications/admin/dashboard_panel.html"

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        return {
            **dashboard.context(self.request.user),
            "now": timezone.now(),
            "list_url": reverse("applications_admin:index"),
        }


@hooks.register("construct_homepage_panels")
def add_review_dashboard(request, panels):
    if permissions.can_review(request.user):
        panels.insert(0, ReviewDashboard(request))
