"""SQL twins of recall.rules.years_after and recall.rules.automatic_termination_date, so that
lists and dashboards can filter and count "licence ended" in the database. Plain SQL functions
(IMMUTABLE, no side effects) that PostgreSQL inlines into the calling query; a test compares
them with the Python functions over every day of several years (tests/test_licence_end.py)."""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION ippcase_years_after(d date, n integer) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  -- the first day after a period of n years beginning with d: the anniversary, or 1 March
  -- when the period began on 29 February and ends in a common year
  SELECT CASE
    WHEN EXTRACT(MONTH FROM d) = 2 AND EXTRACT(DAY FROM d) = 29
         AND EXTRACT(DAY FROM (d + make_interval(years => n))) = 28
    THEN (d + make_interval(years => n))::date + 1
    ELSE (d + make_interval(years => n))::date
  END
$$;

CREATE OR REPLACE FUNCTION ippcase_automatic_termination(
  first_release date,
  latest_release date,
  qualifying_years integer,
  termination_years integer,
  in_force date
) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  -- NULL when any input is missing (GREATEST alone would skip a NULL)
  SELECT CASE
    WHEN first_release IS NULL OR latest_release IS NULL OR qualifying_years IS NULL THEN NULL
    ELSE GREATEST(
      ippcase_years_after(
        GREATEST(ippcase_years_after(first_release, qualifying_years), latest_release),
        termination_years
      ),
      in_force
    )
  END
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS ippcase_automatic_termination(date, date, integer, integer, date);
DROP FUNCTION IF EXISTS ippcase_years_after(date, integer);
"""


class Migration(migrations.Migration):
    dependencies = [("ippcase", "0007_notification_retries")]

    operations = [migrations.RunSQL(FUNCTIONS, DROP)]
