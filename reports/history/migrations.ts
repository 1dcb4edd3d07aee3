// The schema of the run history, as numbered migrations. PRAGMA user_version holds the number of
// the last one applied; a database opened by this m3bench is brought up to SCHEMA_VERSION in one
// transaction. A migration, once released, is never edited: a change is a new entry at the end.
//
// The axes a series is keyed by live on `results` (a run over several targets has one host,
// kernel and command line per target); `samples` keeps every batch so that statistics can be
// recomputed, and `runs.manifest_json` the whole manifest.

export const MIGRATIONS: readonly string[] = [
  // v1
  `
  CREATE TABLE hosts (
    id INTEGER PRIMARY KEY,
    identity TEXT NOT NULL UNIQUE,      -- sha256 of the machine fields below (reports/history/axes.ts)
    hostname TEXT NOT NULL,
    cpu_model TEXT NOT NULL,
    cores INTEGER NOT NULL,
    memory_bytes INTEGER,
    arch TEXT,
    hypervisor TEXT
  );
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    run_key TEXT NOT NULL UNIQUE,       -- manifest id + start time + hostname: one run, wherever its directory is
    content_digest TEXT NOT NULL,       -- sha256 of manifest.json and results.jsonl: a re-import of the same content is a no-op
    name TEXT NOT NULL,                 -- manifest id (the run directory's name)
    suite TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    git_commit TEXT,
    git_dirty INTEGER,
    commit_date TEXT,
    order_time TEXT NOT NULL,           -- what series are ordered by (reports/history/axes.ts: the start, in UTC)
    synthetic INTEGER NOT NULL,         -- invented data (tests, benches), never a measurement
    source_dir TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    manifest_json TEXT NOT NULL
  );
  CREATE INDEX runs_by_order ON runs (order_time, started_at);
  CREATE TABLE results (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    case_id TEXT NOT NULL,              -- without the @TARGET of multi-target runs: the host is an axis of its own
    test TEXT NOT NULL,
    mechanism TEXT NOT NULL,
    placement TEXT NOT NULL,
    size INTEGER NOT NULL,
    pairs INTEGER NOT NULL,
    target TEXT NOT NULL,
    host_id INTEGER NOT NULL REFERENCES hosts (id),
    kernel TEXT NOT NULL,
    cmdline TEXT,
    config TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,                          -- skipped: reason; failed: error
    rounds INTEGER NOT NULL,
    batches INTEGER,
    iterations_per_batch REAL,
    median_ns REAL,                     -- per iteration, over every batch of every round
    mean_ns REAL,
    derived_json TEXT,
    UNIQUE (run_id, case_id, target, config)
  );
  CREATE INDEX results_by_series ON results (case_id, host_id, config);
  CREATE INDEX results_by_mechanism ON results (mechanism, test);
  CREATE TABLE samples (
    result_id INTEGER NOT NULL REFERENCES results (id) ON DELETE CASCADE,
    batch INTEGER NOT NULL,             -- 0-based over the rounds, in the order they ran
    round INTEGER NOT NULL,             -- 1-based
    ns REAL NOT NULL,                   -- per iteration
    PRIMARY KEY (result_id, batch)
  ) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
