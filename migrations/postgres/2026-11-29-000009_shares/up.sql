-- Read-only access for outsiders: a link share (`/inspect/{secret}` for an inspector, `/read/{secret}`
-- for employees) is stored by the SHA-256 of its secret only; an account share grants an inspector
-- account of the organisation access to one round. Both expire (a date in Europe/Amsterdam,
-- inclusive) and can be revoked.
CREATE TABLE shares (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('inspect', 'read')),
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    secret_hash TEXT UNIQUE,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    expires_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TIMESTAMP,
    -- Either a link or an account, and accounts only for inspectors.
    CHECK ((secret_hash IS NULL) <> (user_id IS NULL)),
    CHECK (user_id IS NULL OR kind = 'inspect')
);
CREATE INDEX shares_organisation ON shares (organisation_id, round_id);
CREATE INDEX shares_inspector ON shares (organisation_id, user_id, round_id);

-- Every access by an outsider: who (an account's e-mail address, or `share:{id}`, never a secret),
-- when, and what.
CREATE TABLE access_log (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    what TEXT NOT NULL
);
CREATE INDEX access_log_organisation ON access_log (organisation_id, at);
