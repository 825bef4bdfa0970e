"""Serving a public page in a handful of queries, whatever its depth and however many pages it lists.

Wagtail walks a URL one level at a time (two queries per level: the child, then its specific row), asks for the
page's ancestors and then their view restrictions before serving it, and `.public()` loads every restriction
once more for each list. Here the site's root page finds all the pages a URL names in one query, each marked
with whether it carries a view restriction; the page served keeps that chain, so the restriction check and the
breadcrumb need no query of their own; "public" is a subquery of the list's own query; and the children a served
page lists need only their own restrictions checked (ServedPage.public_among).

Nothing changes in what is served: a page whose class routes on its own (RoutablePageMixin and the like) gets
the rest of the path as in Wagtail's walk, and where an alias is on the way the restrictions are looked up
(ServedPage.get_view_restrictions, which also counts the section of the alias's source)."""

from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.http import Http404
from wagtail.models import Page, PageViewRestriction


def public(pages):
    """`pages` without those in a private section: a view restriction on the page itself or on one of its
    ancestors (Wagtail's `.public()`), as a condition of the list's own query. Written once as SQL, as
    _own_restriction is: compiling the ORM's form of this path comparison cost more than running it."""
    quote = connection.ops.quote_name
    restrictions, pages_table, path = quote(PageViewRestriction._meta.db_table), quote(Page._meta.db_table), quote("path")
    column, restricted = quote(PageViewRestriction._meta.get_field("page").column), quote("restricted_page")
    private = (
        f"EXISTS (SELECT 1 FROM {restrictions} INNER JOIN {pages_table} {restricted} "
        f"ON {restrictions}.{column} = {restricted}.{quote('id')} "
        f"WHERE SUBSTR({pages_table}.{path}, 1, LENGTH({restricted}.{path})) = {restricted}.{path})"
    )
    return pages.filter(RawSQL(f"NOT {private}", (), output_field=BooleanField()))


def _own_restriction():
    """Whether a page row carries a view restriction itself, as a column of its own query. Written once as SQL, as
    public() is: the ORM would compile it anew for every view."""
    quote = connection.ops.quote_name
    restrictions, pages = quote(PageViewRestriction._meta.db_table), quote(Page._meta.db_table)
    column = quote(PageViewRestriction._meta.get_field("page").column)
    return RawSQL(f"EXISTS (SELECT 1 FROM {restrictions} WHERE {column} = {pages}.{quote('id')})", (),
                  output_field=BooleanField())


def _ancestor_paths(path):
    return [path[: Page.steplen * depth] for depth in range(1, len(path) // Page.steplen + 1)]


def _with_restriction_flags(pages):
    return pages.annotate(restricted=Exists(PageViewRestriction.objects.filter(page=OuterRef("pk"))))


def _remember_chain(page, ancestors, restricted):
    """What the page served knows of its ancestors: their rows (breadcrumb) and whether any view restriction or
    alias lies on the way (None: let Wagtail check)."""
    page._served_ancestors = ancestors
    on_the_way = [*ancestors, page]
    page._served_restricted = None if any(p.alias_of_id for p in on_the_way) else restricted


# Deeper URLs than any page of the portal are walked as Wagtail walks them (stopping at the first unknown slug),
# rather than asked for all at once: a long made-up path must not make a large query.
MAX_DEPTH = 12


class SiteRootRouting:
    """For the site's root page (HomePage): the whole URL resolved in one query of the pages it names."""

    def route(self, request, path_components):
        if len(path_components) > MAX_DEPTH:
            return super().route(request, path_components)
        above = Q(path__in=_ancestor_paths(self.path))
        if not path_components:
            rows = list(_with_restriction_flags(Page.objects.filter(above)).order_by("depth"))
            own = rows.pop()
            _remember_chain(self, rows, own.restricted or any(row.restricted for row in rows))
            return super().route(request, path_components)

        prefixes = [self.url_path + "/".join(path_components[:n]) + "/" for n in range(1, len(path_components) + 1)]
        rows = _with_restriction_flags(
            Page.objects.filter(above | Q(url_path__in=prefixes, path__startswith=self.path, depth__gt=self.depth))
        ).order_by("depth")
        chain = [row for row in rows if row.depth <= self.depth]
        named = {row.url_path: row for row in rows if row.depth > self.depth}
        parent = self
        for n, url_path in enumerate(prefixes):
            page = named.get(url_path)
            if page is None or not page.path.startswith(parent.path) or page.depth != parent.depth + 1:
                raise Http404
            remaining = path_components[n + 1 :]
            page_class = page.specific_class
            if remaining and page_class is not None and page_class.route is Page.route:
                # An ordinary page on the way: Wagtail would only step through it.
                chain.append(page)
                parent = page
                continue
            specific = page.specific
            specific._cached_parent_obj = parent
            _remember_chain(specific, chain, any(row.restricted for row in [*chain, page]))
            return specific.route(request, remaining)
        raise Http404


class ServedPage:
    """For every public page class: the restriction check and breadcrumb from the chain routing found."""

    def get_view_restrictions(self):
        """The restrictions on the page and its ancestors, as Wagtail finds them, with one difference: for an alias
        (or a page under one), Wagtail checks the source page but not the source's ancestors, so an alias of a page
        in a private section showed it to anyone. Here the source's whole section counts."""
        if getattr(self, "_served_restricted", None) is False:
            return PageViewRestriction.objects.none()
        paths = set()
        for page in [self, *self.get_ancestors().only("path", "alias_of")]:
            while page.alias_of_id:
                page = page.alias_of
            paths.update(_ancestor_paths(page.path))
        return PageViewRestriction.objects.filter(page__path__in=paths)

    def public_among(self, children):
        """``children`` (a queryset of this page's children, annotated as the caller needs) without the private
        ones, as a list. When this page was served with no view restriction on its way, a child is private only
        by a restriction of its own; otherwise (not served here, served behind a restriction, an alias on the
        way) Wagtail's rule as public() has it."""
        if getattr(self, "_served_restricted", None) is False:
            return [page for page in children.annotate(_own_restriction=_own_restriction()) if not page._own_restriction]
        return list(public(children))

    def breadcrumb_pages(self):
        """The ancestors shown in the breadcrumb (below the tree's root)."""
        ancestors = getattr(self, "_served_ancestors", None)
        if ancestors is None:
            ancestors = self.get_ancestors()
        return [page for page in ancestors if page.depth > 1]
