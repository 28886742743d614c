"""Migration 0001: the whole schema as the last release before versioned migrations made it
(commit 279f553), frozen here, on SQLite and PostgreSQL: the event store's table with the DDL
the eventsourcing library (9.5) uses for our table name, the keys, blind index, read models,
feeds, notifications, Idempotency-Keys, web sessions and the audit trail with its triggers and
functions.

A database that release made already has all of it and is recorded at version 1 without
running it (`present`). Every statement is idempotent (IF NOT EXISTS, OR REPLACE, a trigger
made once), so a database of an earlier release, which lacks some of it, is completed by
running it, as that release's own start did: late columns added, the audit mentions indexed.
Never edit this file: a change to the schema is a new migration.
"""

# The statements as that release ran them, long lines and all.
# ruff: noqa: E501

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from storage.database import Cursor, Database

# The library's names for our application's events table: on PostgreSQL it is named after the
# application ("marac"), beside a composite type and an insert function of the library's; on
# SQLite the library keeps its default name.
EVENTS = "marac_events"
EVENTS_SQLITE_TABLE = "stored_events"
# The audit head's first hash (audit/chain.py's GENESIS).
GENESIS = bytes(32)
# A case id as audit records store it, and the rule that names the cases a record mentions
# (audit/trail.py's mentioned_cases), for indexing a trail made before the mentions table.
_CASE_ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Columns a table of an earlier release lacks.
LATE_COLUMNS = (("audit_reviews", "note_sealed"), ("research_requests", "requested_on"),
                ("notification_outbox", "failing_since"), ("notification_outbox", "failed_at"))

def _tables(blob: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS data_keys (
            scope_id TEXT PRIMARY KEY,
            kek_id TEXT NOT NULL,
            wrapped {blob} NOT NULL,
            created_at TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS shred_ledger (
            scope_id TEXT PRIMARY KEY,
            shredded_at TEXT NOT NULL,
            reason TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS blind_index (
            case_id TEXT NOT NULL,
            area_id TEXT NOT NULL,
            role TEXT NOT NULL,
            kind TEXT NOT NULL,
            digest TEXT NOT NULL,
            PRIMARY KEY (case_id, role, kind, digest))""",
        "CREATE INDEX IF NOT EXISTS blind_index_lookup ON blind_index (area_id, digest)",
        """CREATE TABLE IF NOT EXISTS projection_tracking (
            name TEXT PRIMARY KEY,
            position INTEGER NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS case_index (
            case_id TEXT PRIMARY KEY,
            area_id TEXT NOT NULL,
            status TEXT NOT NULL,
            referring_agency_id TEXT NOT NULL,
            referred_on TEXT NOT NULL,
            last_referral_on TEXT NOT NULL,
            restricted INTEGER NOT NULL,
            repeat_of TEXT,
            closed_on TEXT,
            version INTEGER NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS case_index_closed ON case_index (closed_on)",
        "CREATE INDEX IF NOT EXISTS case_index_area ON case_index (area_id, referred_on)",
        """CREATE TABLE IF NOT EXISTS case_access (
            case_id TEXT NOT NULL,
            relation TEXT NOT NULL,
            ref TEXT NOT NULL,
            opened_at TEXT,
            expires_at TEXT)""",
        "CREATE INDEX IF NOT EXISTS case_access_case ON case_access (case_id)",
        "CREATE INDEX IF NOT EXISTS case_access_ref ON case_access (ref)",
        """CREATE TABLE IF NOT EXISTS case_actions (
            action_id TEXT PRIMARY KEY,
            case_id TEXT NOT NULL,
            area_id TEXT NOT NULL,
            owner_agency_id TEXT NOT NULL,
            due_on TEXT NOT NULL,
            outcome TEXT,
            escalated INTEGER NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS case_actions_owner ON case_actions (owner_agency_id)",
        "CREATE INDEX IF NOT EXISTS case_actions_due ON case_actions (area_id, due_on)",
        """CREATE TABLE IF NOT EXISTS meetings (
            meeting_id TEXT PRIMARY KEY,
            area_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            held_on TEXT NOT NULL,
            attendees INTEGER NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS meetings_area ON meetings (area_id, held_on)",
        # A closed hearing's named members, as keyed digests.
        """CREATE TABLE IF NOT EXISTS meeting_members (
            meeting_id TEXT NOT NULL,
            ref TEXT NOT NULL,
            PRIMARY KEY (meeting_id, ref))""",
        # Cancelled meetings (a table of its own, so that a database projected before
        # cancellations existed needs no new column).
        """CREATE TABLE IF NOT EXISTS meeting_cancellations (
            meeting_id TEXT PRIMARY KEY)""",
        """CREATE TABLE IF NOT EXISTS research_requests (
            case_id TEXT NOT NULL,
            meeting_id TEXT NOT NULL,
            agency_id TEXT NOT NULL,
            due_on TEXT NOT NULL,
            answered INTEGER NOT NULL,
            requested_on TEXT,
            PRIMARY KEY (case_id, meeting_id, agency_id))""",
        "CREATE INDEX IF NOT EXISTS research_requests_agency ON research_requests (agency_id, answered)",
        # The area's research, by meeting (services/research.py's list for coordinators).
        "CREATE INDEX IF NOT EXISTS research_requests_meeting ON research_requests (meeting_id)",
        """CREATE TABLE IF NOT EXISTS agenda (
            meeting_id TEXT NOT NULL,
            case_id TEXT NOT NULL,
            listed INTEGER NOT NULL,
            children INTEGER NOT NULL,
            hba INTEGER NOT NULL,
            PRIMARY KEY (meeting_id, case_id))""",
        # A case's listings (its timeline), and its lines when it is erased.
        "CREATE INDEX IF NOT EXISTS agenda_case ON agenda (case_id)",
        f"""CREATE TABLE IF NOT EXISTS case_documents (
            case_id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            document {blob} NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS case_labels (
            case_id TEXT PRIMARY KEY,
            label {blob} NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS case_facts (
            case_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            ref TEXT NOT NULL,
            opened_at TEXT,
            expires_at TEXT,
            area_id TEXT NOT NULL,
            restricted INTEGER NOT NULL,
            provisional INTEGER NOT NULL,
            status TEXT NOT NULL,
            referred_on TEXT NOT NULL)""",
        # A way's range, in the list's order, covering what its conditions read.
        "CREATE INDEX IF NOT EXISTS case_facts_way ON case_facts (kind, ref, restricted, provisional, referred_on, case_id, opened_at, expires_at, status)",
        # A case's facts: exclusions, a way's other facts, the ways already counted.
        "CREATE INDEX IF NOT EXISTS case_facts_case ON case_facts (case_id, kind, ref, restricted, provisional, area_id, opened_at, expires_at)",
        """CREATE TABLE IF NOT EXISTS case_fact_counts (
            kind TEXT NOT NULL,
            ref TEXT NOT NULL,
            restricted INTEGER NOT NULL,
            provisional INTEGER NOT NULL,
            status TEXT NOT NULL,
            cases INTEGER NOT NULL,
            PRIMARY KEY (kind, ref, restricted, provisional, status))""",
        # `version`: the aggregate's version the row was written from (projections/partnership.py).
        """CREATE TABLE IF NOT EXISTS partnership_areas (
            area_id TEXT PRIMARY KEY,
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            model TEXT NOT NULL,
            settings TEXT NOT NULL,
            version INTEGER NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS partnership_agencies (
            agency_id TEXT PRIMARY KEY,
            area_id TEXT NOT NULL,
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            agency_type TEXT NOT NULL,
            core INTEGER NOT NULL,
            spoc_email TEXT,
            version INTEGER NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS partnership_agencies_area ON partnership_agencies (area_id, code)",
        f"""CREATE TABLE IF NOT EXISTS audit_head (
            id INTEGER PRIMARY KEY,
            seq BIGINT NOT NULL,
            hash {blob} NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS audit_checkpoints (
            size BIGINT PRIMARY KEY,
            root {blob} NOT NULL,
            head_hash {blob} NOT NULL,
            signed_at TEXT NOT NULL,
            key_id TEXT NOT NULL,
            signature {blob} NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS audit_reviews (
            seq BIGINT PRIMARY KEY,
            decision TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,
            note_sealed {blob})""",
        f"""CREATE TABLE IF NOT EXISTS feed_subscriptions (
            subscription_id TEXT PRIMARY KEY,
            client_id TEXT NOT NULL,
            agency_id TEXT NOT NULL,
            area_id TEXT NOT NULL,
            event_types TEXT NOT NULL,
            endpoint TEXT,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            next_cursor BIGINT NOT NULL,
            delivered_cursor BIGINT NOT NULL,
            next_attempt_at TEXT,
            last_status INTEGER,
            last_error TEXT,
            secret_kek TEXT NOT NULL,
            secret {blob} NOT NULL,
            previous_kek TEXT,
            previous_secret {blob},
            previous_until TEXT,
            start_position BIGINT NOT NULL,
            leased_by TEXT,
            leased_until TEXT)""",
        """CREATE TABLE IF NOT EXISTS feed_case_versions (
            case_id TEXT PRIMARY KEY,
            version BIGINT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS feed_outbox (
            subscription_id TEXT NOT NULL,
            cursor BIGINT NOT NULL,
            event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            case_id TEXT,
            body TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            PRIMARY KEY (subscription_id, cursor))""",
        "CREATE INDEX IF NOT EXISTS feed_outbox_case ON feed_outbox (case_id)",
        """CREATE TABLE IF NOT EXISTS report_referrals (
            case_id TEXT PRIMARY KEY,
            area_id TEXT NOT NULL,
            referred_on TEXT NOT NULL,
            referring_agency_id TEXT NOT NULL,
            outcome TEXT,
            criteria TEXT NOT NULL,
            consent_given INTEGER NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS report_referrals_area ON report_referrals (area_id, referred_on)",
        # referral_case_id: the referral the hearing discussed (NULL: heard again).
        """CREATE TABLE IF NOT EXISTS report_discussions (
            case_id TEXT NOT NULL,
            meeting_id TEXT NOT NULL,
            area_id TEXT NOT NULL,
            heard_on TEXT NOT NULL,
            referral_case_id TEXT,
            PRIMARY KEY (case_id, meeting_id))""",
        "CREATE INDEX IF NOT EXISTS report_discussions_area ON report_discussions (area_id, heard_on)",
        """CREATE TABLE IF NOT EXISTS report_meetings (
            meeting_id TEXT PRIMARY KEY,
            area_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            held_on TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS report_attendance (
            meeting_id TEXT NOT NULL,
            agency_id TEXT NOT NULL,
            PRIMARY KEY (meeting_id, agency_id))""",
        """CREATE TABLE IF NOT EXISTS report_actions (
            action_id TEXT PRIMARY KEY,
            case_id TEXT NOT NULL,
            area_id TEXT NOT NULL,
            owner_agency_id TEXT NOT NULL,
            agreed_on TEXT NOT NULL,
            due_on TEXT NOT NULL,
            closed_on TEXT,
            outcome TEXT,
            restricted INTEGER NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS report_actions_area ON report_actions (area_id, agreed_on)",
        """CREATE TABLE IF NOT EXISTS report_marrac (
            case_id TEXT PRIMARY KEY,
            area_id TEXT NOT NULL,
            allocated_on TEXT NOT NULL,
            meets_purpose INTEGER)""",
        """CREATE TABLE IF NOT EXISTS report_contacts (
            contact_id TEXT PRIMARY KEY,
            case_id TEXT NOT NULL,
            area_id TEXT NOT NULL,
            me TEXT NOT NULL,
            minutes INTEGER NOT NULL,
            contact_on TEXT NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS report_profiles (
            case_id TEXT PRIMARY KEY,
            profile {blob} NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS report_releases (
            area_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            label TEXT NOT NULL,
            released_at TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (area_id, kind, label))""",
        """CREATE TABLE IF NOT EXISTS notification_outbox (
            message_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            area_id TEXT NOT NULL,
            recipient TEXT NOT NULL,
            case_id TEXT,
            meeting_id TEXT,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at TEXT NOT NULL,
            sent_at TEXT,
            last_error TEXT,
            failing_since TEXT,
            failed_at TEXT)""",
        "CREATE INDEX IF NOT EXISTS notification_outbox_due ON notification_outbox (state, next_attempt_at)",
        "CREATE INDEX IF NOT EXISTS notification_outbox_case ON notification_outbox (case_id)",
        f"""CREATE TABLE IF NOT EXISTS idempotency_keys (
            ref TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            started_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            status INTEGER,
            kek_id TEXT,
            answer {blob})""",
        "CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at)",
        f"""CREATE TABLE IF NOT EXISTS web_sessions (
            ref TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            kek_id TEXT NOT NULL,
            data {blob} NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS web_sessions_end ON web_sessions (ends_at)",
    ]


def _audit_tables(blob: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS audit_head (
            id INTEGER PRIMARY KEY,
            seq BIGINT NOT NULL,
            hash {blob} NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS audit_checkpoints (
            size BIGINT PRIMARY KEY,
            root {blob} NOT NULL,
            head_hash {blob} NOT NULL,
            signed_at TEXT NOT NULL,
            key_id TEXT NOT NULL,
            signature {blob} NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS audit_reviews (
            seq BIGINT PRIMARY KEY,
            decision TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,
            note_sealed {blob})""",
    ]


MENTIONS = """CREATE TABLE IF NOT EXISTS audit_case_mentions (
    case_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (case_id, seq))"""

_RECORD_INDEXES = [
    "CREATE INDEX IF NOT EXISTS audit_trail_case ON audit_trail (case_id, seq)",
    "CREATE INDEX IF NOT EXISTS audit_trail_actor ON audit_trail (actor, seq)",
    "CREATE INDEX IF NOT EXISTS audit_trail_action ON audit_trail (action, outcome, seq)",
]


def audit_records(dialect: str) -> list[str]:
    """The records and their indexes. PostgreSQL partitions them by month of `at`
    (audit/partitions.py), whose text compares as "C" so that bounds on it prune; a
    partitioned table's key must hold the partition column, so the key is (seq, at): seq
    stays unique because only the append function writes it, under the head row's lock.
    (Also what audit/partitions.py moves a trail made before partitions into.)"""
    postgres = dialect == "postgresql"
    columns = f"""seq BIGINT NOT NULL,
        at TEXT {'COLLATE "C" ' if postgres else ""}NOT NULL,
        request_id TEXT NOT NULL,
        actor TEXT NOT NULL,
        actor_kind TEXT NOT NULL,
        agency_id TEXT,
        client_id TEXT,
        roles TEXT NOT NULL,
        action TEXT NOT NULL,
        purpose TEXT,
        case_id TEXT,
        outcome TEXT NOT NULL,
        item_ids TEXT NOT NULL,
        area_id TEXT,
        prev_hash {"BYTEA" if postgres else "BLOB"} NOT NULL,
        hash {"BYTEA" if postgres else "BLOB"} NOT NULL"""
    table = (f"CREATE TABLE IF NOT EXISTS audit_trail ({columns}, PRIMARY KEY (seq, at)) "
             "PARTITION BY RANGE (at)" if postgres else
             f"CREATE TABLE IF NOT EXISTS audit_trail ({columns}, PRIMARY KEY (seq))")
    return [table, *_RECORD_INDEXES]


_APPEND_ONLY = "'the audit trail is append-only'"
APPEND_ONLY_SQLITE = [
    *[statement for table in ("audit_trail", "audit_checkpoints", "audit_reviews",
                              "audit_case_mentions") for statement in (
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, {_APPEND_ONLY}); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, {_APPEND_ONLY}); END""")],
    """CREATE TRIGGER IF NOT EXISTS audit_head_forward BEFORE UPDATE ON audit_head
        WHEN NEW.seq <> OLD.seq + 1
        BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON audit_head
        BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END""",
]

# The eventsourcing library's DDL for our events table, as its recorders would run it
# (tests/integration/test_schema_migrations.py holds these to the library's own).
EVENTS_SQLITE = (
    "CREATE TABLE IF NOT EXISTS stored_events (originator_id TEXT, originator_version INTEGER, "
    "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))")


def events_postgres(schema: str, lock_timeout: int = 10) -> list[str]:
    """The library's statements, in its order; `lock_timeout`: POSTGRES_LOCK_TIMEOUT
    (storage/url.py), which it writes into its insert function."""
    q = f'"{schema}"'
    return [
        f'CREATE TYPE {q}."stored_event_uuid" AS (originator_id "uuid", '
        "originator_version bigint, topic text, state bytea)",
        f'CREATE TABLE IF NOT EXISTS {q}."{EVENTS}" (originator_id "uuid" NOT NULL, '
        "originator_version bigint NOT NULL, topic text, state bytea, notification_id "
        "bigserial, PRIMARY KEY (originator_id, originator_version)) WITH (    "
        "autovacuum_enabled = true,    autovacuum_vacuum_threshold = 100000000,    "
        "autovacuum_vacuum_scale_factor = 0.5,    autovacuum_analyze_threshold = 1000,    "
        "autovacuum_analyze_scale_factor = 0.01)",
        f'CREATE UNIQUE INDEX IF NOT EXISTS "{EVENTS}_notification_id_idx" ON {q}."{EVENTS}" '
        "(notification_id ASC);",
        f'CREATE OR REPLACE FUNCTION {q}."es_insert_events_uuid"(events {q}."stored_event_uuid"'  # noqa: S608
        "[]) RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$BEGIN    SET LOCAL lock_timeout = "
        f"'{lock_timeout}s';    NOTIFY \"{EVENTS}\";    RETURN QUERY    INSERT INTO {q}."
        f'"{EVENTS}" AS t (    originator_id, originator_version, topic, state)    SELECT '
        "originator_id, originator_version, topic, state    FROM unnest(events)    RETURNING "
        "notification_id;END;$BODY$",
    ]


def append_only_postgres(schema: str) -> list[str]:
    tables = ("audit_trail", "audit_head", "audit_checkpoints", "audit_reviews",
              "audit_case_mentions")
    return [
        f"""CREATE OR REPLACE FUNCTION "{schema}".marac_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                -- Nested: PL/pgSQL does not promise to stop at the first false operand, and
                -- NEW.seq exists only on the head and the records.
                IF TG_TABLE_NAME = 'audit_head' AND TG_OP = 'UPDATE' THEN
                    IF NEW.seq = OLD.seq + 1 THEN
                        RETURN NEW;
                    END IF;
                END IF;
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
            END $$""",
        *[f"""DO $$ BEGIN
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "{schema}".{table}
                FOR EACH ROW EXECUTE FUNCTION "{schema}".marac_append_only();
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON "{schema}".{table}
                FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".marac_append_only();
            EXCEPTION WHEN duplicate_object THEN NULL; END $$"""
          for table in tables],
        # The application's own role should not own these tables (audit/ownership.py); for
        # any role that is not the owner, the privileges alone already refuse it.
        f'REVOKE UPDATE, DELETE, TRUNCATE ON "{schema}".audit_trail FROM PUBLIC',
    ]


def partition_function(schema: str) -> str:
    """Makes the partition of `at`'s month and of the month after, where missing (see
    audit/partitions.py). Each partition gets its own TRUNCATE trigger: a statement trigger
    only fires for the table a statement names."""
    return f"""
        CREATE OR REPLACE FUNCTION "{schema}".marac_audit_partitions(at text) RETURNS void
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            first date := make_date(substr(at, 1, 4)::integer, substr(at, 6, 2)::integer, 1);
            month date;
            name text;
        BEGIN
            FOREACH month IN ARRAY ARRAY[first, (first + interval '1 month')::date] LOOP
                name := 'audit_trail_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM');
                IF to_regclass(format('%I.%I', '{schema}', name)) IS NULL THEN
                    EXECUTE format(
                        'CREATE TABLE %I.%I PARTITION OF %I.audit_trail FOR VALUES FROM (%L) TO (%L)',
                        '{schema}', name, '{schema}',
                        to_char(month, 'YYYY-MM-DD') || 'T00:00:00.000000+00:00',
                        to_char((month + interval '1 month')::date, 'YYYY-MM-DD')
                            || 'T00:00:00.000000+00:00');
                    EXECUTE format(
                        'CREATE TRIGGER audit_trail_no_truncate BEFORE TRUNCATE ON %I.%I '
                        'FOR EACH STATEMENT EXECUTE FUNCTION %I.marac_append_only()',
                        '{schema}', name, '{schema}');
                END IF;
            END LOOP;
        END $$"""  # noqa: S608


def append_function(schema: str, partitioned: bool) -> str:
    """The append in one round trip (audit/trail.py): the same hash as audit/chain.py,
    computed in the database under the head row's lock (None as 0x00, a string as 0x01 +
    UTF-8, each field followed by 0x1f; the sequence number as 8 big-endian bytes). It runs
    as its owner (SECURITY DEFINER, audit/ownership.py), so it names its tables with their
    schema and resolves nothing else there. `partitioned`: it first makes the record's month
    and the next, as the owner."""
    q = f'"{schema}"'
    partition = f"\n            PERFORM {q}.marac_audit_partitions(v[1]);" if partitioned else ""
    return f"""
        CREATE OR REPLACE FUNCTION {q}.marac_audit_append(v text[]) RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            head record;
            next_seq bigint;
            buf bytea;
            digest bytea;
            i integer;
        BEGIN
            -- Commits as its caller's transaction does: flushed unless AuditTrail.record
            -- (relaxed mode only) turned synchronous_commit off for its own statement.
            SELECT seq, hash INTO head FROM {q}.audit_head WHERE id = 1 FOR UPDATE;
            next_seq := head.seq + 1;
            buf := head.hash || int8send(next_seq);
            FOR i IN 1..13 LOOP
                IF v[i] IS NULL THEN
                    buf := buf || decode('001f', 'hex');
                ELSE
                    buf := buf || decode('01', 'hex') || convert_to(v[i], 'UTF8')
                           || decode('1f', 'hex');
                END IF;
            END LOOP;
            digest := sha256(buf);{partition}
            INSERT INTO {q}.audit_trail (seq, at, request_id, actor, actor_kind, agency_id, client_id, roles, action, purpose, case_id, outcome, item_ids, area_id, prev_hash, hash)
                VALUES (next_seq, v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], head.hash, digest);
            -- The same rule as mentioned_cases(), in the same transaction as the record;
            -- the item list is parsed only when it holds something like a case id.
            IF v[10] IS NOT NULL THEN
                INSERT INTO {q}.audit_case_mentions (case_id, seq) VALUES (v[10], next_seq);
            END IF;
            IF v[12] ~ '{_CASE_ID}' THEN
                INSERT INTO {q}.audit_case_mentions (case_id, seq)
                    SELECT DISTINCT item, next_seq
                    FROM jsonb_array_elements_text(v[12]::jsonb) AS item
                    WHERE item ~ '^{_CASE_ID}$' AND item IS DISTINCT FROM v[10];
            END IF;
            UPDATE {q}.audit_head SET seq = next_seq, hash = digest WHERE id = 1;
            RETURN next_seq;
        END $$"""  # noqa: S608


def tables(db: Database) -> list[str]:
    """Every table this migration makes (the partitions aside)."""
    names = [re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", s)[0]
             for s in [*_tables(db.blob), *_audit_tables(db.blob), MENTIONS,
                       *audit_records(db.dialect)] if s.startswith("CREATE TABLE")]
    return [*names, EVENTS if db.dialect == "postgresql" else EVENTS_SQLITE_TABLE]


def present(cur: Cursor, db: Database) -> bool:
    """Whether the database already holds everything this migration makes: made by the
    release it froze, it is recorded at version 1 and not run."""
    if any(not db.has_table(cur, table) for table in tables(db)):
        return False
    if any(not db.has_column(cur, table, column) for table, column in LATE_COLUMNS):
        return False
    if db.dialect == "sqlite":
        return True
    cur.execute("SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = %s AND p.proname = 'marac_audit_append'", (db.url.schema,))
    return cur.fetchone() is not None


def apply(cur: Cursor, db: Database) -> None:
    indexed = db.has_table(cur, "audit_case_mentions")
    for statement in [*_tables(db.blob), *_audit_tables(db.blob), *audit_records(db.dialect),
                      MENTIONS]:
        cur.execute(statement)
    for table, column in LATE_COLUMNS:
        if not db.has_column(cur, table, column):
            cur.execute(f"ALTER TABLE {table} ADD COLUMN {column} "
                        f"{db.blob if column == 'note_sealed' else 'TEXT'}")
    cur.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, %s) "
                "ON CONFLICT (id) DO NOTHING", (GENESIS,))
    if not indexed:
        _index_earlier_records(cur)
    if db.dialect == "sqlite":
        cur.execute(EVENTS_SQLITE)
        for statement in APPEND_ONLY_SQLITE:
            cur.execute(statement)
        return
    schema = db.url.schema
    type_statement, *events = events_postgres(schema)
    # The library makes its type in a transaction of its own and ignores a duplicate; here
    # it rides in this migration's, so the duplicate is caught in the statement.
    cur.execute(f"DO $$ BEGIN {type_statement}; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    for statement in [*events, *append_only_postgres(schema), partition_function(schema)]:
        cur.execute(statement)
    cur.execute("SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = 'audit_trail'",
                (schema,))
    row = cur.fetchone()
    partitioned = row is not None and row[0] == "p"
    if partitioned:  # this month's and the next, before any record needs them
        cur.execute("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
        cur.execute(f'SELECT "{schema}".marac_audit_partitions(%s)',
                    (datetime.now(UTC).isoformat(),))
    # A trail an earlier release left unpartitioned keeps its function's form; the owner's
    # `marac db setup` moves it into partitions (audit/partitions.py).
    cur.execute(append_function(schema, partitioned))


def _index_earlier_records(cur: Cursor, batch: int = 20_000) -> None:
    """A trail written before the mentions table existed: its records' mentions, in this
    migration's transaction (so never half done)."""
    after = 0
    while True:
        cur.execute("SELECT seq, case_id, item_ids FROM audit_trail WHERE seq > %s "
                    "ORDER BY seq LIMIT %s", (after, batch))
        rows = cur.fetchall()
        cur.executemany(
            "INSERT INTO audit_case_mentions (case_id, seq) VALUES (%s, %s) "
            "ON CONFLICT DO NOTHING",
            [(case, int(seq)) for seq, case_id, items in rows
             for case in _mentioned(case_id, json.loads(items))])
        if len(rows) < batch:
            return
        after = int(rows[-1][0])


def _mentioned(case_id: str | None, items: list[str]) -> list[str]:
    found = {item for item in items if re.fullmatch(_CASE_ID, item)}
    if case_id is not None:
        found.add(case_id)
    return sorted(found)
