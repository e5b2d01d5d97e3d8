-- AOS indexer schema, SQLite dialect.
-- uint256 values are TEXT holding the decimal number left-padded with zeros to 78 digits,
-- so that text comparison and ORDER BY are numeric comparison (the API strips the padding).
-- Addresses and hashes are lower-case 0x hex.

CREATE TABLE cursor (
    chain_id        INTEGER PRIMARY KEY,
    block_number    INTEGER NOT NULL,
    block_hash      TEXT    NOT NULL,
    block_timestamp INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE blocks (
    chain_id    INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    hash        TEXT    NOT NULL,
    parent_hash TEXT    NOT NULL,
    timestamp   INTEGER NOT NULL,
    PRIMARY KEY (chain_id, number)
);

CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id        INTEGER NOT NULL,
    block_number    INTEGER NOT NULL,
    block_hash      TEXT    NOT NULL,
    block_timestamp INTEGER,
    log_index       INTEGER NOT NULL,
    tx_hash         TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    contract        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    topics          TEXT    NOT NULL,
    data            TEXT    NOT NULL,
    args            TEXT    NOT NULL,
    task_id         TEXT,
    dispute_id      TEXT,
    account         TEXT,
    UNIQUE (chain_id, block_hash, log_index)
);
CREATE INDEX events_block ON events (chain_id, block_number);
CREATE INDEX events_task ON events (task_id);
CREATE INDEX events_dispute ON events (dispute_id);
CREATE INDEX events_account ON events (account);

CREATE TABLE tasks (
    task_id              TEXT PRIMARY KEY,
    requester            TEXT    NOT NULL,
    asset                TEXT    NOT NULL,
    payment              TEXT    NOT NULL,
    stake_bps            INTEGER NOT NULL,
    fee_bps              INTEGER NOT NULL,
    claim_deadline       INTEGER NOT NULL,
    completion_deadline  INTEGER NOT NULL,
    review_window        INTEGER NOT NULL,
    max_delegation_depth INTEGER NOT NULL,
    min_accuracy         TEXT    NOT NULL,
    min_completion       TEXT    NOT NULL,
    domain               TEXT    NOT NULL,
    domain_name          TEXT    NOT NULL,
    spec_hash            TEXT    NOT NULL,
    parent_task_id       TEXT    NOT NULL,
    salt                 TEXT    NOT NULL,
    status               TEXT    NOT NULL,
    worker               TEXT,
    stake                TEXT,
    result_hash          TEXT,
    dispute_id           TEXT,
    bond                 TEXT,
    ruling               INTEGER,
    finalized            INTEGER,
    worker_amount        TEXT,
    requester_amount     TEXT,
    fee                  TEXT,
    posted_block         INTEGER NOT NULL,
    updated_block        INTEGER NOT NULL
);
CREATE INDEX tasks_route ON tasks (status, domain_name, asset, payment);

CREATE TABLE agents (
    account        TEXT PRIMARY KEY,
    agent_key      TEXT    NOT NULL,
    manifest_hash  TEXT    NOT NULL,
    registered     INTEGER NOT NULL,
    first_block    INTEGER NOT NULL,
    updated_block  INTEGER NOT NULL
);

CREATE TABLE claims (
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    task_id      TEXT    NOT NULL,
    worker       TEXT    NOT NULL,
    stake        TEXT    NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX claims_task ON claims (task_id);

CREATE TABLE submissions (
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    task_id      TEXT    NOT NULL,
    worker       TEXT    NOT NULL,
    result_hash  TEXT    NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX submissions_task ON submissions (task_id);

CREATE TABLE withdrawals (
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    contract     TEXT    NOT NULL,
    account      TEXT    NOT NULL,
    asset        TEXT    NOT NULL,
    to_address   TEXT    NOT NULL,
    amount       TEXT    NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX withdrawals_account ON withdrawals (account);

CREATE TABLE earnings (
    agent  TEXT NOT NULL,
    asset  TEXT NOT NULL,
    total  TEXT NOT NULL,
    updated_block INTEGER NOT NULL,
    PRIMARY KEY (agent, asset)
);

CREATE TABLE karma (
    agent         TEXT    NOT NULL,
    domain        TEXT    NOT NULL,
    domain_name   TEXT    NOT NULL,
    accuracy      INTEGER NOT NULL,
    completion    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    tasks         INTEGER NOT NULL,
    disputes_won  INTEGER NOT NULL,
    disputes_lost INTEGER NOT NULL,
    last_outcome  TEXT    NOT NULL,
    updated_block INTEGER NOT NULL,
    PRIMARY KEY (agent, domain)
);
CREATE INDEX karma_domain ON karma (domain_name);

CREATE TABLE disputes (
    dispute_id    TEXT PRIMARY KEY,
    arbitrable    TEXT,
    task_id       TEXT,
    bond          TEXT,
    phase         TEXT    NOT NULL,
    round         INTEGER NOT NULL,
    seats         INTEGER NOT NULL,
    deadline      INTEGER NOT NULL,
    ruling        INTEGER,
    solved        INTEGER NOT NULL,
    delivered     INTEGER NOT NULL,
    created_block INTEGER NOT NULL,
    updated_block INTEGER NOT NULL
);

CREATE TABLE votes (
    dispute_id   TEXT    NOT NULL,
    round        INTEGER NOT NULL,
    juror        TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    commitment   TEXT,
    choice       INTEGER,
    verdict      TEXT,
    stake_back   TEXT,
    fee_reward   TEXT,
    stake_reward TEXT,
    drawn_block  INTEGER NOT NULL,
    PRIMARY KEY (dispute_id, round, juror)
);

CREATE TABLE jurors (
    juror              TEXT PRIMARY KEY,
    stake              TEXT    NOT NULL,
    leave_available_at INTEGER,
    updated_block      INTEGER NOT NULL
);
