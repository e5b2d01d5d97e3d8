-- The worker's own state: tasks it considered, where each stands, the human queue and
-- counters. One SQLite file in the data dir; a restart resumes every in-flight task.
CREATE TABLE IF NOT EXISTS tasks (
    task_id      TEXT PRIMARY KEY,          -- 0x<keccak256(abi.encode(params))>
    params       BLOB NOT NULL,             -- abi.encode(TaskParams)
    status       TEXT NOT NULL,             -- see store.rs TaskPhase
    executor     TEXT,
    result_hash  TEXT,                      -- 0x<BLAKE3 of the result blob>
    error        TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks(status);

CREATE TABLE IF NOT EXISTS human_queue (
    task_id      TEXT PRIMARY KEY,
    task_type    TEXT NOT NULL,
    prompt       TEXT NOT NULL,
    result       BLOB,                      -- set by `aos-worker human submit`
    created_ms   INTEGER NOT NULL,
    submitted_ms INTEGER
);

CREATE TABLE IF NOT EXISTS kv (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
