-- The RI&E PSA exports of closed rounds: made once, stored, served byte for byte.
CREATE TABLE exports (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX exports_organisation_round ON exports (organisation_id, round_id);

-- Each format's bytes, size and SHA-256, with their detached Ed25519 signature.
CREATE TABLE export_files (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    export_id TEXT NOT NULL REFERENCES exports (id) ON DELETE CASCADE,
    format TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (organisation_id, export_id, format)
);
