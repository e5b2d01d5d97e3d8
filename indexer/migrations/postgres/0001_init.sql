-- AOS indexer schema, PostgreSQL dialect (same tables as migrations/sqlite).
-- uint256 values are NUMERIC(78,0): exact. Addresses and hashes are lower-case 0x hex.

CREATE TABLE cursor (
    chain_id        BIGINT PRIMARY KEY,
    block_number    BIGINT NOT NULL,
    block_hash      TEXT    NOT NULL,
    block_timestamp BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE blocks (
    chain_id    BIGINT NOT NULL,
    number      BIGINT NOT NULL,
    hash        TEXT    NOT NULL,
    parent_hash TEXT    NOT NULL,
    timestamp   BIGINT NOT NULL,
    PRIMARY KEY (chain_id, number)
);

CREATE TABLE events (
    id              BIGSERIAL PRIMARY KEY,
    chain_id        BIGINT NOT NULL,
    block_number    BIGINT NOT NULL,
    block_hash      TEXT    NOT NULL,
    block_timestamp BIGINT,
    log_index       BIGINT NOT NULL,
    tx_hash         TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    contract        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    topics          TEXT    NOT NULL,
    data            TEXT    NOT NULL,
    args            TEXT    NOT NULL,
    task_id         TEXT,
    dispute_id      NUMERIC(78,0),
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
    payment              NUMERIC(78,0)    NOT NULL,
    stake_bps            BIGINT NOT NULL,
    fee_bps              BIGINT NOT NULL,
    claim_deadline       BIGINT NOT NULL,
    completion_deadline  BIGINT NOT NULL,
    review_window        BIGINT NOT NULL,
    max_delegation_depth BIGINT NOT NULL,
    min_accuracy         NUMERIC(78,0) NOT NULL,
    min_completion       NUMERIC(78,0) NOT NULL,
    domain               TEXT    NOT NULL,
    domain_name          TEXT    NOT NULL,
    spec_hash            TEXT    NOT NULL,
    parent_task_id       TEXT    NOT NULL,
    salt                 NUMERIC(78,0)    NOT NULL,
    status               TEXT    NOT NULL,
    worker               TEXT,
    stake                NUMERIC(78,0),
    result_hash          TEXT,
    dispute_id           NUMERIC(78,0),
    bond                 NUMERIC(78,0),
    ruling               BIGINT,
    finalized            BIGINT,
    worker_amount        NUMERIC(78,0),
    requester_amount     NUMERIC(78,0),
    fee                  NUMERIC(78,0),
    posted_block         BIGINT NOT NULL,
    updated_block        BIGINT NOT NULL
);
CREATE INDEX tasks_route ON tasks (status, domain_name, asset, payment);

CREATE TABLE agents (
    account        TEXT PRIMARY KEY,
    agent_key      TEXT    NOT NULL,
    manifest_hash  TEXT    NOT NULL,
    registered     BIGINT NOT NULL,
    first_block    BIGINT NOT NULL,
    updated_block  BIGINT NOT NULL
);

CREATE TABLE claims (
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    task_id      TEXT    NOT NULL,
    worker       TEXT    NOT NULL,
    stake        NUMERIC(78,0)    NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX claims_task ON claims (task_id);

CREATE TABLE submissions (
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    task_id      TEXT    NOT NULL,
    worker       TEXT    NOT NULL,
    result_hash  TEXT    NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX submissions_task ON submissions (task_id);

CREATE TABLE withdrawals (
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    contract     TEXT    NOT NULL,
    account      TEXT    NOT NULL,
    asset        TEXT    NOT NULL,
    to_address   TEXT    NOT NULL,
    amount       NUMERIC(78,0)    NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX withdrawals_account ON withdrawals (account);

CREATE TABLE earnings (
    agent  TEXT NOT NULL,
    asset  TEXT NOT NULL,
    total  NUMERIC(78,0) NOT NULL,
    updated_block BIGINT NOT NULL,
    PRIMARY KEY (agent, asset)
);

CREATE TABLE karma (
    agent         TEXT    NOT NULL,
    domain        TEXT    NOT NULL,
    domain_name   TEXT    NOT NULL,
    accuracy      BIGINT NOT NULL,
    completion    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    tasks         BIGINT NOT NULL,
    disputes_won  BIGINT NOT NULL,
    disputes_lost BIGINT NOT NULL,
    last_outcome  TEXT    NOT NULL,
    updated_block BIGINT NOT NULL,
    PRIMARY KEY (agent, domain)
);
CREATE INDEX karma_domain ON karma (domain_name);

CREATE TABLE disputes (
    dispute_id    NUMERIC(78,0) PRIMARY KEY,
    arbitrable    TEXT,
    task_id       TEXT,
    bond          NUMERIC(78,0),
    phase         TEXT    NOT NULL,
    round         BIGINT NOT NULL,
    seats         BIGINT NOT NULL,
    deadline      BIGINT NOT NULL,
    ruling        BIGINT,
    solved        BIGINT NOT NULL,
    delivered     BIGINT NOT NULL,
    created_block BIGINT NOT NULL,
    updated_block BIGINT NOT NULL
);

CREATE TABLE votes (
    dispute_id   NUMERIC(78,0)    NOT NULL,
    round        BIGINT NOT NULL,
    juror        TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    commitment   TEXT,
    choice       BIGINT,
    verdict      TEXT,
    stake_back   NUMERIC(78,0),
    fee_reward   NUMERIC(78,0),
    stake_reward NUMERIC(78,0),
    drawn_block  BIGINT NOT NULL,
    PRIMARY KEY (dispute_id, round, juror)
);

CREATE TABLE jurors (
    juror              TEXT PRIMARY KEY,
    stake              NUMERIC(78,0)    NOT NULL,
    leave_available_at BIGINT,
    updated_block      BIGINT NOT NULL
);
