-- The audit log: every change staff make to data, as one hash chain per scope (an organisation's
-- id, or 'instance' for the owner's actions). `at` is stored as it is hashed (RFC 3339, UTC).
-- No foreign key on the scope: the instance's chain belongs to no organisation.
CREATE TABLE audit_log (
    scope TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    outcome TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (scope, seq)
);
