-- Survey rounds, their invitations and responses (DOMAIN.md sections 3 and 6).
CREATE TABLE rounds (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    questionnaire_id TEXT NOT NULL,
    status TEXT NOT NULL,
    languages TEXT NOT NULL,
    min_group_size INTEGER NOT NULL,
    opens_at TIMESTAMP,
    closes_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    opened_at TIMESTAMP,
    closed_at TIMESTAMP,
    -- Frozen at open: the questionnaire file's text and digest, and the covered unit tree (JSON).
    questionnaire_source TEXT,
    questionnaire_digest TEXT,
    unit_tree TEXT
);
CREATE INDEX rounds_organisation ON rounds (organisation_id, created_at);

-- The units a round covers (each with its sub-units); none means the whole organisation.
CREATE TABLE round_units (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    unit_id TEXT NOT NULL,
    PRIMARY KEY (organisation_id, round_id, unit_id)
);

-- Single-use invitations: only HMACs of the link token and the typed code are stored.
-- unit_id '' is the organisation as a whole (a round over an organisation without units).
CREATE TABLE invitations (
    token_hmac TEXT PRIMARY KEY NOT NULL,
    code_hmac TEXT NOT NULL UNIQUE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    unit_id TEXT NOT NULL,
    spent BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX invitations_round ON invitations (organisation_id, round_id, unit_id);

-- Invited and responded counts per unit, kept as numbers after close.
CREATE TABLE round_counts (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    unit_id TEXT NOT NULL,
    invited INTEGER NOT NULL,
    responded INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, round_id, unit_id)
);

-- Every hand-out of links: who, when, which unit, how many (readable by the council and the VPO).
CREATE TABLE link_handouts (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    unit_id TEXT NOT NULL,
    user_email TEXT NOT NULL,
    count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX link_handouts_round ON link_handouts (organisation_id, round_id, created_at);

-- Responses while the round is open. Nothing but organisation, round, unit and the packed answers:
-- no time, no token, no address. Moved to `responses` in a random order at close.
CREATE TABLE response_inbox (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    unit_id TEXT NOT NULL,
    answers BYTEA NOT NULL
);
CREATE INDEX response_inbox_round ON response_inbox (organisation_id, round_id);

CREATE TABLE responses (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    unit_id TEXT NOT NULL,
    answers BYTEA NOT NULL
);
CREATE INDEX responses_round ON responses (organisation_id, round_id);

-- Saved, unfinished answers: encrypted under a key from the token, the token key and a PIN.
CREATE TABLE drafts (
    token_hmac TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    sealed BYTEA NOT NULL
);
CREATE INDEX drafts_round ON drafts (organisation_id, round_id);
