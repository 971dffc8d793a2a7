"""Frozen means frozen, in the database (issue 14, F2).

The questions, choices and dimension assignments of a published or closed survey version cannot be
updated by any path — the admin, the shell, a raw `QuerySet.update()`; a published version never
returns to draft; and an answer's `kind` always equals its question's kind (the copy exists so that
a CHECK constraint can test the value). Triggers, because a CHECK constraint cannot look at another
row. Deleting an answered question or choice is refused by the foreign keys of its answers (PROTECT
in Django, enforced constraints in both databases); deletion triggers would also refuse the table-
by-table flush of the test database. Models and the admin say the same thing first, in the user's language
(`surveys.models.FrozenVersionError`); these are the last line.
"""

from django.db import migrations

FROZEN = "frozen survey version: its questions, choices and dimensions cannot change; make a new version"
KIND = "the kind of an answer must equal the kind of its question"
VERSION_FROZEN = "SELECT 1 FROM surveys_surveyversion v WHERE v.status <> 'draft' AND v.id IN ({ids})"
CHOICE_FROZEN = (
    "SELECT 1 FROM surveys_question q JOIN surveys_surveyversion v ON v.id = q.version_id "
    "WHERE v.status <> 'draft' AND q.id IN ({ids})"
)

SQLITE = [
    f"CREATE TRIGGER i14_question_frozen_update BEFORE UPDATE ON surveys_question WHEN EXISTS "
    f"({VERSION_FROZEN.format(ids='OLD.version_id, NEW.version_id')}) BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END",
    f"CREATE TRIGGER i14_question_kind_answered BEFORE UPDATE OF kind ON surveys_question WHEN OLD.kind IS NOT "
    f"NEW.kind AND EXISTS (SELECT 1 FROM surveys_answer a WHERE a.question_id = OLD.id) "
    f"BEGIN SELECT RAISE(ABORT, '{KIND}'); END",
    f"CREATE TRIGGER i14_choice_frozen_update BEFORE UPDATE ON surveys_choice WHEN EXISTS "
    f"({CHOICE_FROZEN.format(ids='OLD.question_id, NEW.question_id')}) BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END",
    f"CREATE TRIGGER i14_version_stays_frozen BEFORE UPDATE OF status ON surveys_surveyversion "
    f"WHEN OLD.status <> 'draft' AND NEW.status = 'draft' BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END",
    f"CREATE TRIGGER i14_answer_kind_insert BEFORE INSERT ON surveys_answer WHEN NEW.kind IS NOT "
    f"(SELECT q.kind FROM surveys_question q WHERE q.id = NEW.question_id) BEGIN SELECT RAISE(ABORT, '{KIND}'); END",
    f"CREATE TRIGGER i14_answer_kind_update BEFORE UPDATE OF kind, question_id ON surveys_answer WHEN NEW.kind IS NOT "
    f"(SELECT q.kind FROM surveys_question q WHERE q.id = NEW.question_id) BEGIN SELECT RAISE(ABORT, '{KIND}'); END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "i14_question_frozen_update",
        "i14_question_kind_answered",
        "i14_choice_frozen_update",
        "i14_version_stays_frozen",
        "i14_answer_kind_insert",
        "i14_answer_kind_update",
    )
]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION i14_question_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS ({VERSION_FROZEN.format(ids="OLD.version_id, NEW.version_id")}) THEN
            RAISE EXCEPTION 'question %: {FROZEN}', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.kind IS DISTINCT FROM NEW.kind AND EXISTS (SELECT 1 FROM surveys_answer a WHERE a.question_id = OLD.id) THEN
            RAISE EXCEPTION 'question %: {KIND}', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER i14_question_frozen BEFORE UPDATE ON surveys_question "
    "FOR EACH ROW EXECUTE FUNCTION i14_question_frozen()",
    f"""CREATE OR REPLACE FUNCTION i14_choice_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS ({CHOICE_FROZEN.format(ids="OLD.question_id, NEW.question_id")}) THEN
            RAISE EXCEPTION 'choice %: {FROZEN}', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER i14_choice_frozen BEFORE UPDATE ON surveys_choice "
    "FOR EACH ROW EXECUTE FUNCTION i14_choice_frozen()",
    f"""CREATE OR REPLACE FUNCTION i14_version_stays_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.status <> 'draft' AND NEW.status = 'draft' THEN
            RAISE EXCEPTION 'survey version %: {FROZEN}', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER i14_version_stays_frozen BEFORE UPDATE OF status ON surveys_surveyversion "
    "FOR EACH ROW EXECUTE FUNCTION i14_version_stays_frozen()",
    f"""CREATE OR REPLACE FUNCTION i14_answer_kind() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.kind IS DISTINCT FROM (SELECT q.kind FROM surveys_question q WHERE q.id = NEW.question_id) THEN
            RAISE EXCEPTION '{KIND}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER i14_answer_kind BEFORE INSERT OR UPDATE OF kind, question_id ON surveys_answer "
    "FOR EACH ROW EXECUTE FUNCTION i14_answer_kind()",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS i14_question_frozen ON surveys_question",
    "DROP TRIGGER IF EXISTS i14_choice_frozen ON surveys_choice",
    "DROP TRIGGER IF EXISTS i14_version_stays_frozen ON surveys_surveyversion",
    "DROP TRIGGER IF EXISTS i14_answer_kind ON surveys_answer",
    "DROP FUNCTION IF EXISTS i14_question_frozen()",
    "DROP FUNCTION IF EXISTS i14_choice_frozen()",
    "DROP FUNCTION IF EXISTS i14_version_stays_frozen()",
    "DROP FUNCTION IF EXISTS i14_answer_kind()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no frozen-version triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
