-- ERC-1497-style evidence about tasks (TaskMarket `Evidence(arbitrator, evidenceGroupId,
-- party, evidence)`, evidenceGroupId = uint256(taskId)): one append-only row per log, keyed
-- by (block, log index) like claims and submissions, so a re-scan inserts nothing twice and a
-- rollback deletes by block. `evidence` is the BLAKE3 id of the evidence blob (0x hex).

CREATE TABLE evidence (
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    tx_hash      TEXT   NOT NULL,
    task_id      TEXT   NOT NULL,
    party        TEXT   NOT NULL,
    evidence     TEXT   NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX evidence_task ON evidence (task_id);
