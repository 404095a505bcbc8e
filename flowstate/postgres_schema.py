"""The PostgreSQL store: tables, the commit function, and versioned forward migrations.

Everything lives in one schema (`PostgresDriver(dsn, schema="flowstate")`):

- `flowstate_schema(version)`: one row, the schema version;
- `flowstate_head`: one row, the commit lock. Every commit locks it first (`FOR UPDATE`),
  takes the next revs from its `rev` column and releases it when its transaction ends, so
  commits are serialized and become visible in rev order: a reader that sees rev N+1 sees
  rev N (N's transaction was visible before N+1's could even start). Failed commits change
  nothing, so revs stay contiguous. It also counts `pending` delays;
- `flowstate_states(rev, id, labels, annotations, committed_at, transition_to,
  transition_annotations)`: every version (labels in jsonb, GIN-indexed for `@>` queries);
- `flowstate_latest(id, rev, owner, in_flight)`: the latest rev of each state, the engine
  that committed it and whether it is in flight (for take-over when that engine dies);
- `flowstate_datas(rev, blob, annotations)`, data revs from the `flowstate_data_rev` sequence;
- `flowstate_delays(seq, at, do_commit, flow, state_id, state_rev, ..., claimed_by,
  claimed_until)`: pending delays and the engine that claimed each, until when;
- `flowstate_engines(id, heartbeat_at, ...)`: live engines and their heartbeats (the lease).

`flowstate_commit(...)` is one batch of independent commits in one call (one transaction,
one round trip): the rev check of every state is in SQL, a commit whose check fails (or whose
fired delay is no longer claimed by the caller) writes nothing and the others go on. It
NOTIFYs the schema's channel with the new head rev and the earliest new delay.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

# Step `n` upgrades a schema at version `n` to `n + 1`; version 0 is an empty schema. Append
# steps, never edit one that shipped: databases in the field went through it.
MIGRATIONS: list[Sequence[str]] = [
    (
        """CREATE TABLE flowstate_head (
            one boolean PRIMARY KEY DEFAULT true CHECK (one),
            rev bigint NOT NULL,
            committed_at double precision NOT NULL,
            pending bigint NOT NULL)""",
        "INSERT INTO flowstate_head VALUES (true, 0, 0, 0)",
        "CREATE SEQUENCE flowstate_data_rev",
        "CREATE SEQUENCE flowstate_delay_seq",
        """CREATE TABLE flowstate_states (
            rev bigint PRIMARY KEY,
            id text NOT NULL,
            labels jsonb NOT NULL,
            annotations jsonb NOT NULL,
            committed_at double precision NOT NULL,
            transition_to text NOT NULL,
            transition_annotations jsonb NOT NULL)""",
        "CREATE INDEX flowstate_states_id ON flowstate_states (id, rev)",
        "CREATE INDEX flowstate_states_labels ON flowstate_states"
        " USING gin (labels jsonb_path_ops)",
        "CREATE INDEX flowstate_states_time ON flowstate_states (committed_at)",
        """CREATE TABLE flowstate_latest (
            id text PRIMARY KEY,
            rev bigint NOT NULL,
            owner text,
            in_flight boolean NOT NULL)""",
        "CREATE INDEX flowstate_latest_in_flight ON flowstate_latest (owner) WHERE in_flight",
        """CREATE TABLE flowstate_datas (
            rev bigint PRIMARY KEY,
            blob bytea NOT NULL,
            annotations jsonb NOT NULL)""",
        """CREATE TABLE flowstate_delays (
            seq bigint PRIMARY KEY,
            at double precision NOT NULL,
            do_commit boolean NOT NULL,
            flow text NOT NULL,
            state_id text NOT NULL,
            state_rev bigint NOT NULL,
            labels jsonb NOT NULL,
            annotations jsonb NOT NULL,
            committed_at double precision NOT NULL,
            transition_annotations jsonb NOT NULL,
            claimed_by text,
            claimed_until timestamptz)""",
        "CREATE INDEX flowstate_delays_at ON flowstate_delays (at)",
        "CREATE INDEX flowstate_delays_state ON flowstate_delays (state_id) WHERE do_commit",
        """CREATE TABLE flowstate_engines (
            id text PRIMARY KEY,
            heartbeat_at timestamptz NOT NULL,
            started_at timestamptz NOT NULL,
            pid integer NOT NULL,
            host text NOT NULL)""",
        """CREATE FUNCTION flowstate_commit(
            p_now double precision, p_owner text, p_channel text,
            s_commit int[], s_id text[], s_expected bigint[], s_labels jsonb[],
            s_annotations jsonb[], s_to text[], s_tr jsonb[], s_in_flight boolean[],
            d_commit int[], d_rev bigint[], d_blob bytea[], d_annotations jsonb[],
            l_commit int[], l_follows int[], l_at double precision[], l_do_commit boolean[],
            l_flow text[], l_id text[], l_rev bigint[], l_labels jsonb[],
            l_annotations jsonb[], l_committed_at double precision[], l_tr jsonb[],
            c_commit int[], c_seq bigint[],
            OUT r_first_rev bigint, OUT r_committed_at double precision,
            OUT r_conflict_commits int[], OUT r_conflict_ids text[], OUT r_gone int[],
            OUT r_delay_seqs bigint[], OUT r_pruned bigint, OUT r_pending bigint)
        LANGUAGE plpgsql AS $fn$
        DECLARE
            v_rev bigint;
            v_at double precision;
            v_pending bigint;
            v_failed int[];
            v_consumed bigint[];
            v_written bigint;
            v_added bigint;
            v_removed bigint;
            v_min_at double precision;
        BEGIN
            -- the commit lock: held until this transaction ends
            SELECT h.rev, h.committed_at, h.pending INTO v_rev, v_at, v_pending
              FROM flowstate_head h FOR UPDATE;
            -- the rev check of every state, in SQL
            SELECT coalesce(array_agg(s.c ORDER BY s.ord), '{}'),
                   coalesce(array_agg(s.id ORDER BY s.ord), '{}')
              INTO r_conflict_commits, r_conflict_ids
              FROM unnest(s_commit, s_id, s_expected) WITH ORDINALITY AS s(c, id, expected, ord)
              LEFT JOIN flowstate_latest l ON l.id = s.id
             WHERE coalesce(l.rev, 0) <> s.expected;
            -- a fired delay must still be claimed by the caller
            SELECT coalesce(array_agg(c.c), '{}') INTO r_gone
              FROM unnest(c_commit, c_seq) AS c(c, seq)
             WHERE NOT EXISTS (
                SELECT 1 FROM flowstate_delays d WHERE d.seq = c.seq AND d.claimed_by = p_owner);
            v_failed := r_conflict_commits || r_gone;
            SELECT coalesce(array_agg(c.seq), '{}') INTO v_consumed
              FROM unnest(c_commit, c_seq) AS c(c, seq) WHERE c.c <> ALL (v_failed);
            r_first_rev := v_rev + 1;
            v_at := greatest(p_now, v_at);
            r_committed_at := v_at;

            INSERT INTO flowstate_datas (rev, blob, annotations)
            SELECT d.rev, d.blob, d.ann
              FROM unnest(d_commit, d_rev, d_blob, d_annotations) AS d(c, rev, blob, ann)
             WHERE d.c <> ALL (v_failed);

            WITH s AS (
                SELECT t.*, v_rev + row_number() OVER (ORDER BY t.ord) AS rev
                  FROM unnest(s_commit, s_id, s_labels, s_annotations, s_to, s_tr, s_in_flight)
                       WITH ORDINALITY AS t(c, id, labels, annotations, to_, tr, in_flight, ord)
                 WHERE t.c <> ALL (v_failed)
            ), ins AS (
                INSERT INTO flowstate_states
                SELECT s.rev, s.id, s.labels, s.annotations, v_at, s.to_, s.tr FROM s
            ), up AS (
                INSERT INTO flowstate_latest (id, rev, owner, in_flight)
                SELECT s.id, s.rev, p_owner, s.in_flight FROM s
                ON CONFLICT (id) DO UPDATE
                   SET rev = excluded.rev, owner = excluded.owner, in_flight = excluded.in_flight
            ), pr AS (
                -- committing delays taken from another rev of a written state can never fire
                DELETE FROM flowstate_delays d USING s
                 WHERE d.state_id = s.id AND d.do_commit AND d.state_rev <> s.rev
                   AND d.seq <> ALL (v_consumed)
                RETURNING 1
            ), dl AS MATERIALIZED (
                SELECT x.*, s.rev AS followed_rev
                  FROM (SELECT y.*, nextval('flowstate_delay_seq') AS seq
                          FROM (SELECT *
                                  FROM unnest(l_commit, l_follows, l_at, l_do_commit, l_flow,
                                              l_id, l_rev, l_labels, l_annotations,
                                              l_committed_at, l_tr)
                                       WITH ORDINALITY AS z(c, follows, at, do_commit, flow, id,
                                                            rev, labels, annotations,
                                                            committed_at, tr, ord)
                                 WHERE z.c <> ALL (v_failed)
                                 ORDER BY z.ord) y) x
                  LEFT JOIN s ON s.ord = x.follows
            ), ins_d AS (
                INSERT INTO flowstate_delays (seq, at, do_commit, flow, state_id, state_rev,
                                              labels, annotations, committed_at,
                                              transition_annotations)
                SELECT dl.seq, dl.at, dl.do_commit, dl.flow, dl.id,
                       coalesce(dl.followed_rev, dl.rev), dl.labels, dl.annotations,
                       CASE WHEN dl.followed_rev IS NULL THEN dl.committed_at ELSE v_at END, dl.tr
                  FROM dl
            ), waiting AS (
                -- a committing delay taken from a state's latest version: it waits on it
                UPDATE flowstate_latest l SET in_flight = false
                  FROM dl
                 WHERE dl.followed_rev IS NULL AND dl.do_commit
                   AND l.id = dl.id AND l.rev = dl.rev AND l.in_flight
            )
            SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM pr),
                   (SELECT coalesce(array_agg(dl.seq ORDER BY dl.ord), '{}') FROM dl),
                   (SELECT count(*) FROM dl), (SELECT min(dl.at) FROM dl)
              INTO v_written, r_pruned, r_delay_seqs, v_added, v_min_at;

            DELETE FROM flowstate_delays WHERE seq = ANY (v_consumed);
            GET DIAGNOSTICS v_removed = ROW_COUNT;
            r_pending := v_pending + v_added - r_pruned - v_removed;
            UPDATE flowstate_head
               SET rev = v_rev + v_written,
                   committed_at = CASE WHEN v_written > 0 THEN v_at ELSE committed_at END,
                   pending = r_pending;
            IF v_written > 0 OR v_added > 0 THEN
                PERFORM pg_notify(
                    p_channel, (v_rev + v_written)::text || ' ' || coalesce(v_min_at::text, ''));
            END IF;
        END
        $fn$""",
        """CREATE FUNCTION flowstate_adopt(p_owner text, p_lease double precision)
        RETURNS SETOF flowstate_states
        LANGUAGE plpgsql AS $fn$
        BEGIN
            -- under the commit lock, so it never interleaves with a commit's row locks
            PERFORM 1 FROM flowstate_head FOR UPDATE;
            DELETE FROM flowstate_engines
             WHERE id <> p_owner AND heartbeat_at < now() - make_interval(secs => p_lease);
            UPDATE flowstate_delays d SET claimed_by = NULL, claimed_until = NULL
             WHERE d.claimed_by IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM flowstate_engines e WHERE e.id = d.claimed_by);
            RETURN QUERY
              WITH o AS (
                UPDATE flowstate_latest l SET owner = p_owner
                 WHERE l.in_flight
                   AND NOT EXISTS (SELECT 1 FROM flowstate_engines e WHERE e.id = l.owner)
                RETURNING l.rev)
              SELECT s.* FROM flowstate_states s JOIN o ON s.rev = o.rev ORDER BY s.rev;
        END
        $fn$""",
    ),
    # 2: the same commit in fewer, cheaper statements (PostgreSQL's CPU per commit a quarter
    # lower, alone or batched, in the benchmarks): nothing runs for an empty part of the call,
    # failed commits'
    # rows are dropped up front so the writes need no filter or window, every statement runs
    # a generic plan (a custom plan per call cost 20-70 us of planning) whose lookups go
    # through the indexes whatever the plan's guess of the call's size (step 1's joins
    # against an unnest became hash joins over whole tables), and the labels
    # index is maintained at once instead of through a pending list that an insert must
    # flush now and then (a latency spike on the commit path).
    (
        "ALTER INDEX flowstate_states_labels SET (fastupdate = off)",
        """CREATE OR REPLACE FUNCTION flowstate_commit(
            p_now double precision, p_owner text, p_channel text,
            s_commit int[], s_id text[], s_expected bigint[], s_labels jsonb[],
            s_annotations jsonb[], s_to text[], s_tr jsonb[], s_in_flight boolean[],
            d_commit int[], d_rev bigint[], d_blob bytea[], d_annotations jsonb[],
            l_commit int[], l_follows int[], l_at double precision[], l_do_commit boolean[],
            l_flow text[], l_id text[], l_rev bigint[], l_labels jsonb[],
            l_annotations jsonb[], l_committed_at double precision[], l_tr jsonb[],
            c_commit int[], c_seq bigint[],
            OUT r_first_rev bigint, OUT r_committed_at double precision,
            OUT r_conflict_commits int[], OUT r_conflict_ids text[], OUT r_gone int[],
            OUT r_delay_seqs bigint[], OUT r_pruned bigint, OUT r_pending bigint)
        LANGUAGE plpgsql
        -- generic plans only (no planning per call), which guess 10 rows for each array of
        -- the call: every statement here looks up a handful of rows by key, and no guess may
        -- turn that into a scan of a whole table (below a few thousand rows the cost model
        -- prefers one) or a bitmap scan (which never marks dead index entries)
        SET plan_cache_mode = force_generic_plan
        SET random_page_cost = 1.1 SET enable_bitmapscan = off SET enable_hashjoin = off
        SET enable_mergejoin = off
        AS $fn$
        DECLARE
            v_rev bigint;
            v_at double precision;
            v_pending bigint;
            v_failed int[];
            v_keep int[];
            v_consumed bigint[];
            v_written bigint;
            v_added bigint;
            v_removed bigint := 0;
            v_min_at double precision;
        BEGIN
            -- the commit lock: held until this transaction ends
            SELECT h.rev, h.committed_at, h.pending INTO v_rev, v_at, v_pending
              FROM flowstate_head h FOR UPDATE;
            r_conflict_commits := '{}';
            r_conflict_ids := '{}';
            r_gone := '{}';
            r_delay_seqs := '{}';
            r_pruned := 0;
            -- the rev check of every state, in SQL
            IF EXISTS (
                SELECT 1 FROM unnest(s_id, s_expected) AS s(id, expected)
                 WHERE s.expected <> coalesce(
                    (SELECT l.rev FROM flowstate_latest l WHERE l.id = s.id), 0)) THEN
                SELECT array_agg(s.c ORDER BY s.ord), array_agg(s.id ORDER BY s.ord)
                  INTO r_conflict_commits, r_conflict_ids
                  FROM unnest(s_commit, s_id, s_expected)
                       WITH ORDINALITY AS s(c, id, expected, ord)
                 WHERE s.expected <> coalesce(
                    (SELECT l.rev FROM flowstate_latest l WHERE l.id = s.id), 0);
            END IF;
            -- a fired delay must still be claimed by the caller
            IF cardinality(c_seq) > 0 THEN
                SELECT coalesce(array_agg(c.c), '{}') INTO r_gone
                  FROM unnest(c_commit, c_seq) AS c(c, seq)
                 WHERE (SELECT d.claimed_by FROM flowstate_delays d WHERE d.seq = c.seq)
                       IS DISTINCT FROM p_owner;
            END IF;
            v_failed := r_conflict_commits || r_gone;
            IF cardinality(v_failed) > 0 THEN
                -- drop the failed commits' rows; a delay that follows a state is given the
                -- state's place among the rows kept
                v_keep := ARRAY(SELECT t.o FROM unnest(s_commit) WITH ORDINALITY AS t(c, o)
                                 WHERE t.c <> ALL (v_failed) ORDER BY t.o);
                SELECT coalesce(array_agg(s_id[k] ORDER BY k), '{}'),
                       coalesce(array_agg(s_labels[k] ORDER BY k), '{}'),
                       coalesce(array_agg(s_annotations[k] ORDER BY k), '{}'),
                       coalesce(array_agg(s_to[k] ORDER BY k), '{}'),
                       coalesce(array_agg(s_tr[k] ORDER BY k), '{}'),
                       coalesce(array_agg(s_in_flight[k] ORDER BY k), '{}')
                  INTO s_id, s_labels, s_annotations, s_to, s_tr, s_in_flight
                  FROM unnest(v_keep) AS k;
                SELECT coalesce(array_agg(d_rev[k] ORDER BY k), '{}'),
                       coalesce(array_agg(d_blob[k] ORDER BY k), '{}'),
                       coalesce(array_agg(d_annotations[k] ORDER BY k), '{}')
                  INTO d_rev, d_blob, d_annotations
                  FROM generate_subscripts(d_commit, 1) AS k
                 WHERE d_commit[k] <> ALL (v_failed);
                SELECT coalesce(array_agg(coalesce(array_position(v_keep, l_follows[k]), 0)
                                          ORDER BY k), '{}'),
                       coalesce(array_agg(l_at[k] ORDER BY k), '{}'),
                       coalesce(array_agg(l_do_commit[k] ORDER BY k), '{}'),
                       coalesce(array_agg(l_flow[k] ORDER BY k), '{}'),
                       coalesce(array_agg(l_id[k] ORDER BY k), '{}'),
                       coalesce(array_agg(l_rev[k] ORDER BY k), '{}'),
                       coalesce(array_agg(l_labels[k] ORDER BY k), '{}'),
                       coalesce(array_agg(l_annotations[k] ORDER BY k), '{}'),
                       coalesce(array_agg(l_committed_at[k] ORDER BY k), '{}'),
                       coalesce(array_agg(l_tr[k] ORDER BY k), '{}')
                  INTO l_follows, l_at, l_do_commit, l_flow, l_id, l_rev, l_labels,
                       l_annotations, l_committed_at, l_tr
                  FROM generate_subscripts(l_commit, 1) AS k
                 WHERE l_commit[k] <> ALL (v_failed);
                v_consumed := ARRAY(SELECT c_seq[k] FROM generate_subscripts(c_commit, 1) AS k
                                     WHERE c_commit[k] <> ALL (v_failed) ORDER BY k);
            ELSE
                v_consumed := c_seq;
            END IF;
            r_first_rev := v_rev + 1;
            v_at := greatest(p_now, v_at);
            r_committed_at := v_at;
            v_written := cardinality(s_id);
            v_added := cardinality(l_at);

            IF cardinality(d_rev) > 0 THEN
                INSERT INTO flowstate_datas (rev, blob, annotations)
                SELECT * FROM unnest(d_rev, d_blob, d_annotations);
            END IF;
            IF v_written > 0 THEN
                -- committing delays taken from another rev of a written state can never
                -- fire (this runs before the new delays are inserted, which it must not see)
                -- (a nested loop over the call's ids: array_position per row would be
                -- quadratic in a batch of hundreds)
                DELETE FROM flowstate_delays d
                 USING unnest(s_id) WITH ORDINALITY AS s(id, ord)
                 WHERE d.state_id = s.id AND d.do_commit AND d.state_rev <> v_rev + s.ord
                   AND d.seq <> ALL (v_consumed);
                GET DIAGNOSTICS r_pruned = ROW_COUNT;
                WITH s AS (
                    SELECT * FROM unnest(s_id, s_labels, s_annotations, s_to, s_tr, s_in_flight)
                           WITH ORDINALITY AS t(id, labels, annotations, to_, tr, in_flight, ord)
                ), ins AS (
                    INSERT INTO flowstate_states
                    SELECT v_rev + s.ord, s.id, s.labels, s.annotations, v_at, s.to_, s.tr
                      FROM s
                )
                INSERT INTO flowstate_latest (id, rev, owner, in_flight)
                SELECT s.id, v_rev + s.ord, p_owner, s.in_flight FROM s
                ON CONFLICT (id) DO UPDATE
                   SET rev = excluded.rev, owner = excluded.owner, in_flight = excluded.in_flight;
            END IF;
            IF v_added > 0 THEN
                -- seqs in the call's order: unnest yields its rows in order
                WITH ins AS (
                    INSERT INTO flowstate_delays (seq, at, do_commit, flow, state_id, state_rev,
                                                  labels, annotations, committed_at,
                                                  transition_annotations)
                    SELECT nextval('flowstate_delay_seq'), z.at, z.do_commit, z.flow, z.id,
                           CASE WHEN z.follows > 0 THEN v_rev + z.follows ELSE z.rev END,
                           z.labels, z.annotations,
                           CASE WHEN z.follows > 0 THEN v_at ELSE z.committed_at END, z.tr
                      FROM unnest(l_follows, l_at, l_do_commit, l_flow, l_id, l_rev, l_labels,
                                  l_annotations, l_committed_at, l_tr)
                           AS z(follows, at, do_commit, flow, id, rev, labels, annotations,
                                committed_at, tr)
                    RETURNING seq, at
                )
                SELECT array_agg(ins.seq ORDER BY ins.seq), min(ins.at)
                  INTO r_delay_seqs, v_min_at
                  FROM ins;
                IF 0 = ANY (l_follows) THEN
                    -- a committing delay taken from a state's latest version: it waits on it
                    UPDATE flowstate_latest l SET in_flight = false
                      FROM unnest(l_follows, l_do_commit, l_id, l_rev)
                           AS z(follows, do_commit, id, rev)
                     WHERE z.follows = 0 AND z.do_commit
                       AND l.id = z.id AND l.rev = z.rev AND l.in_flight;
                END IF;
            END IF;
            IF cardinality(v_consumed) > 0 THEN
                DELETE FROM flowstate_delays WHERE seq = ANY (v_consumed);
                GET DIAGNOSTICS v_removed = ROW_COUNT;
            END IF;
            r_pending := v_pending + v_added - r_pruned - v_removed;
            UPDATE flowstate_head
               SET rev = v_rev + v_written,
                   committed_at = CASE WHEN v_written > 0 THEN v_at ELSE committed_at END,
                   pending = r_pending;
            IF v_written > 0 OR v_added > 0 THEN
                PERFORM pg_notify(
                    p_channel, (v_rev + v_written)::text || ' ' || coalesce(v_min_at::text, ''));
            END IF;
        END
        $fn$""",
    ),
]
SCHEMA_VERSION = len(MIGRATIONS)
