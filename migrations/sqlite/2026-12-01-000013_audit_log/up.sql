-- The audit log: every change staff make to data, as one hash chain per organisation, and one
-- for the instance owner's actions under the organisation id 'instance' (no organisation's id
-- looks like it, hence no foreign key). `at` is stored as it is hashed (RFC 3339, UTC).
CREATE TABLE audit_log (
    organisation_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    outcome TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (organisation_id, seq)
);
