-- Issue 13: the worker's own verdict on the result it submitted (its self-check, a signed
-- aos-verify verdict blob), and whether it has been sent on chain as the worker's reply
-- (TaskMarket.submitEvidence) once the requester disputed the result.
ALTER TABLE tasks ADD COLUMN verdict_hash TEXT;            -- 0x<BLAKE3 of the verdict blob>
ALTER TABLE tasks ADD COLUMN evidence_sent INTEGER NOT NULL DEFAULT 0;
