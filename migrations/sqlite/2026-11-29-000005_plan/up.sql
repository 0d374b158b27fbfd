-- The organisation's plan of action (plan van aanpak): items that live across rounds.
CREATE TABLE plan_items (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The risk: category and scope (NULL: the organisation), the sources it concerned.
    category TEXT NOT NULL,
    unit_id TEXT,
    scope_path TEXT NOT NULL,
    sources TEXT NOT NULL,
    -- What raised it: a round, or another signal (the VPO, an incident, by hand).
    round_id TEXT REFERENCES rounds (id) ON DELETE SET NULL,
    signal TEXT NOT NULL,
    measure TEXT NOT NULL,
    measure_id TEXT,
    level TEXT NOT NULL,
    priority INTEGER NOT NULL,
    owner_user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    owner_name TEXT,
    owner_email TEXT,
    owner_role TEXT,
    start_date DATE,
    deadline DATE,
    budget TEXT,
    status TEXT NOT NULL,
    note TEXT,
    residual_risk TEXT,
    evaluation_date DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX plan_items_organisation ON plan_items (organisation_id);

-- Every change to the plan, in order, each holding the hash of the one before (a hash chain):
-- a row edited by hand no longer follows from its predecessor.
CREATE TABLE plan_history (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    item_id TEXT NOT NULL,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    hash TEXT NOT NULL,
    PRIMARY KEY (organisation_id, seq)
);
