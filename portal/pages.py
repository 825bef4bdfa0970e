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
from django.db.models.base import DEFERRED
from django.db.models.expressions import RawSQL
from django.http import Http404
from wagtail.models import Page, PageViewRestriction


def _in_private_section(path):
    """SQL: whether a view restriction lies on the page at ``path`` (an SQL expression) or on one of its ancestors.
    Written as SQL once, not as an ORM expression: Django compiled that path comparison anew for every view, at
    more than the cost of running it."""
    quote = connection.ops.quote_name
    restrictions, pages, restricted = (quote(PageViewRestriction._meta.db_table), quote(Page._meta.db_table),
                                       quote("restricted_page"))
    column = quote(PageViewRestriction._meta.get_field("page").column)
    return (
        f"EXISTS (SELECT 1 FROM {restrictions} INNER JOIN {pages} {restricted} "
        f"ON {restrictions}.{column} = {restricted}.{quote('id')} "
        f"WHERE SUBSTR({path}, 1, LENGTH({restricted}.{quote('path')})) = {restricted}.{quote('path')})"
    )


def _source_path():
    """SQL: the path of the page row's alias source (NULL for a page that is not an alias)."""
    quote = connection.ops.quote_name
    pages, source = quote(Page._meta.db_table), quote("alias_source")
    return (f"(SELECT {source}.{quote('path')} FROM {pages} {source} "
            f"WHERE {source}.{quote('id')} = {pages}.{quote('alias_of_id')})")


# What a list shows of each page it links to: its title and address (and what finds it in the tree). A list asks
# for these with .only(), adding its own columns: the page rows' other fields are deferred, which spares the query
# those columns and Django their making (a notice's whole body, for a title in a list).
LINK_FIELDS = ("title", "path", "depth", "url_path", "content_type", "alias_of", "live")


def as_specific(row):
    """A page row (of Page, maybe with deferred fields) as an instance of its own page class, from the values the
    row holds, the others deferred: no query (Wagtail's get_specific(deferred=True) reads every field, and each
    deferred one would cost a query). Annotations and other attributes of the row are kept."""
    model = row.specific_class or type(row)
    if isinstance(row, model):
        return row
    fields = model._meta.concrete_fields
    values = [row.pk if field.primary_key else row.__dict__.get(field.attname, DEFERRED) for field in fields]
    specific = model.from_db(row._state.db, [field.attname for field in fields], values)
    for name, value in row.__dict__.items():
        specific.__dict__.setdefault(name, value)
    return specific


def public(pages):
    """`pages` without those in a private section (Wagtail's `.public()`), as a condition of the list's own query.
    An alias counts as private where its source is: it shows the source's content, and is served only with the
    source's password (ServedPage.get_view_restrictions), so its title is not listed either."""
    quote = connection.ops.quote_name
    own_path = f"{quote(Page._meta.db_table)}.{quote('path')}"
    private = f"{_in_private_section(own_path)} OR {_in_private_section(_source_path())}"
    return pages.filter(RawSQL(f"NOT ({private})", (), output_field=BooleanField()))


def _own_restriction():
    """Whether a page row is private by itself, as a column of its own query: it carries a view restriction, or it
    is an alias of a page in a private section (see public())."""
    quote = connection.ops.quote_name
    restrictions, pages = quote(PageViewRestriction._meta.db_table), quote(Page._meta.db_table)
    column = quote(PageViewRestriction._meta.get_field("page").column)
    own = f"EXISTS (SELECT 1 FROM {restrictions} WHERE {column} = {pages}.{quote('id')})"
    return RawSQL(f"({own} OR {_in_private_section(_source_path())})", (), output_field=BooleanField())


def row_column(table, key, column):
    """SQL: ``column`` of the row of ``table`` whose ``key`` is the page row's id (NULL when there is none): how a
    list of plain page rows reads a page type's own column, or a row beside the page, in the list's own query."""
    quote = connection.ops.quote_name
    return (f"(SELECT {quote(column)} FROM {quote(table)} "
            f"WHERE {quote(key)} = {quote(Page._meta.db_table)}.{quote('id')})")


def own_column(model, field_name):
    """A page type's own field as a column of plain page rows (row_column), typed as the field."""
    field = model._meta.get_field(field_name)
    return RawSQL(row_column(model._meta.db_table, model._meta.pk.column, field.column), (), output_field=field)


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
            rows = list(_with_restriction_flags(Page.objects.filter(above).only(*LINK_FIELDS)).order_by("depth"))
            own = rows.pop()
            _remember_chain(self, rows, own.restricted or any(row.restricted for row in rows))
            return super().route(request, path_components)

        prefixes = [self.url_path + "/".join(path_components[:n]) + "/" for n in range(1, len(path_components) + 1)]
        rows = _with_restriction_flags(
            Page.objects.filter(above | Q(url_path__in=prefixes, path__startswith=self.path, depth__gt=self.depth))
            .only(*LINK_FIELDS)  # the way there (breadcrumb links); the page served is read whole below
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
            if page_class is not None and issubclass(page_class, ServedPage):
                # The page's own row with what its template shows of related rows, in the same query.
                specific = page_class.serving_queryset().get(pk=page.pk)
            else:
                specific = page.specific
            specific._cached_parent_obj = parent
            _remember_chain(specific, chain, any(row.restricted for row in [*chain, page]))
            return specific.route(request, remaining)
        raise Http404


class ServedPage:
    """For every public page class: the restriction check and breadcrumb from the chain routing found."""

    @classmethod
    def serving_queryset(cls):
        """The queryset the page is read from when served (SiteRootRouting): a page type adds the related rows
        its template shows (select_related) so that they cost no query of their own."""
        return cls._default_manager.all()

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
        by a restriction of its own or as an alias of a private page (_own_restriction); otherwise (not served
        here, served behind a restriction, an alias on the way) Wagtail's rule as public() has it."""
        if getattr(self, "_served_restricted", None) is False:
            return [page for page in children.annotate(_own_restriction=_own_restriction()) if not page._own_restriction]
        return list(public(children))

    def breadcrumb_pages(self):
        """The ancestors shown in the breadcrumb (below the tree's root)."""
        ancestors = getattr(self, "_served_ancestors", None)
        if ancestors is None:
            ancestors = self.get_ancestors()
        return [page for page in ancestors if page.depth > 1]
