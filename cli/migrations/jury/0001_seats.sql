-- The juror agent's seats (one row per dispute round this juror was drawn into) and its
-- log cursor. A vote's salt is written here, and the write synced, before the commit
-- transaction is sent (`aos juror run`, `aos juror commit`).
CREATE TABLE seats (
    dispute INTEGER NOT NULL,
    round INTEGER NOT NULL,
    task_id TEXT,
    -- noticed | queued | judged | committing | committed | revealed | refused | settled
    state TEXT NOT NULL,
    -- evaluator | person | always-worker | manual
    source TEXT,
    choice INTEGER,
    salt BLOB,
    commitment BLOB,
    verdict TEXT,
    reason TEXT,
    noticed_ms INTEGER NOT NULL,
    judge_ms INTEGER,
    commit_sent_ms INTEGER,
    commit_tx TEXT,
    reveal_tx TEXT,
    settle_tx TEXT,
    seat_verdict TEXT,
    fee_reward TEXT,
    stake_reward TEXT,
    appealed INTEGER NOT NULL DEFAULT 0,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (dispute, round)
);

CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    block INTEGER NOT NULL
);
