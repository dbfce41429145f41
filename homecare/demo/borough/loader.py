"""Writing the demo borough fast: bulk_create for the few ORM rows, `Table` for the many.

`Table` writes rows of plain values with executemany on SQLite and COPY on PostgreSQL, with ids
allocated up front. `refresh_statistics` gives the query planner statistics once the load is done.
"""

from __future__ import annotations

from django.core.management.color import no_style
from django.db import connections, models, router

from .vocabulary import BATCH_SIZE


def bulk_create_with_ids(model: type[models.Model], objs: list) -> list:
    created = model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
    if created and created[0].pk is None:  # pragma: no cover - every supported database returns ids
        raise RuntimeError(f"{model.__name__}: this database does not return ids from bulk inserts")
    return created


_AS_IS = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,  # includes PhoneNumberField: rows carry E.164 strings
    models.TextField,
    models.ForeignKey,
    models.PositiveSmallIntegerField,
    models.IntegerField,
)


class Table:
    """A fast inserter for one model: rows are dicts of attname → Python value, written with executemany.

    Model instances and bulk_create cost about a millisecond per person once plans, packages, versions,
    visits and status changes are counted, too slow for 100,000 people. Here values are adapted once
    per field type and ids are allocated in advance (so rows can refer to each other before they are
    written). Every concrete field must be given or have a default, so a new required field on a model
    fails loudly here rather than being left empty.
    """

    def __init__(self, model: type[models.Model], connection):
        self.model = model
        self.connection = connection
        ops = connection.ops
        self.columns: list[str] = []
        self.adapters: list = []
        self.defaults: list = []
        for f in model._meta.concrete_fields:
            self.columns.append(f.attname)
            if isinstance(f, _AS_IS):
                self.adapters.append(None)
            elif isinstance(f, models.DateTimeField):
                self.adapters.append(ops.adapt_datetimefield_value)
            elif isinstance(f, models.DateField):
                self.adapters.append(ops.adapt_datefield_value)
            elif isinstance(f, models.TimeField):
                self.adapters.append(ops.adapt_timefield_value)
            else:  # decimals, JSON: the field knows how this database wants them
                self.adapters.append(lambda value, f=f: f.get_db_prep_save(value, connection))
            if f.has_default():
                self.defaults.append(f.get_default())
            elif f.null:
                self.defaults.append(None)
            else:
                self.defaults.append(_REQUIRED)
        quote = ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(model._meta.get_field(c).column) for c in self.columns)
        placeholders = ", ".join(["%s"] * len(self.columns))
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 # nosec B608 - identifiers from model metadata
        # PostgreSQL loads fastest with COPY; SQLite runs one prepared statement many times quickly.
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN" if connection.vendor == "postgresql" else None
        with connection.cursor() as cursor:
            pk, table = quote(model._meta.pk.column), quote(model._meta.db_table)
            cursor.execute(f"SELECT MAX({pk}) FROM {table}")  # noqa: S608 # nosec B608 - identifiers from model metadata
            self.next_id = (cursor.fetchone()[0] or 0) + 1
        self.count = 0

    def allocate(self) -> int:
        pk = self.next_id
        self.next_id += 1
        return pk

    def _tuple(self, row: dict) -> tuple:
        values = []
        for column, adapter, default in zip(self.columns, self.adapters, self.defaults, strict=True):
            value = row.get(column, default)
            if value is _REQUIRED:
                raise ValueError(f"{self.model.__name__}.{column} is required and has no default")
            values.append(value if adapter is None or value is None else adapter(value))
        return tuple(values)

    def insert(self, rows: list[dict]) -> None:
        with self.connection.cursor() as cursor:
            if self.copy_sql is None:
                cursor.executemany(self.sql, [self._tuple(r) for r in rows])
            else:
                with cursor.cursor.copy(self.copy_sql) as copy:  # the psycopg cursor under Django's
                    for r in rows:
                        copy.write_row(self._tuple(r))
        self.count += len(rows)

    def reset_sequence(self) -> None:
        """PostgreSQL: move the id sequence past the ids given explicitly (SQLite needs nothing)."""
        statements = self.connection.ops.sequence_reset_sql(no_style(), [self.model])
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


_REQUIRED = object()


def refresh_statistics(loaded: list[type[models.Model]]) -> None:
    """Give the query planner statistics for what was just loaded, so searches use the right indexes.

    SQLite plans without statistics until something runs ANALYZE; then `PRAGMA optimize` (cheap) keeps
    them fresh. PostgreSQL's autovacuum would analyse a bulk-loaded table eventually; doing it now means
    the first searches and dashboards after seeding are planned from the real data too.
    """
    by_alias: dict[str, list[type[models.Model]]] = {}
    for model in loaded:
        by_alias.setdefault(router.db_for_write(model), []).append(model)
    for alias, group in by_alias.items():
        connection = connections[alias]
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("ANALYZE")
                cursor.execute("PRAGMA optimize")
            elif connection.vendor == "postgresql":
                quote = connection.ops.quote_name
                tables = ", ".join(dict.fromkeys(quote(m._meta.db_table) for m in group))
                cursor.execute(f"ANALYZE {tables}")
