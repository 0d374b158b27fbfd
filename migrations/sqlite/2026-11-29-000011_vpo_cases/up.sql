-- The confidential counsellor's case register (DOMAIN.md section 8). Statistics-only facts are
-- plain columns (the quarter of first contact, never finer once the case is destroyed); the
-- agreements with the reporter, the case report and the notes are sealed with the notes key
-- (src/vpo/sealing.rs) and destroyed under the retention rule, leaving the facts.
CREATE TABLE vpo_cases (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    reference TEXT NOT NULL,
    first_contact DATE,
    quarter TEXT NOT NULL,
    channel TEXT NOT NULL,
    behaviours TEXT NOT NULL,
    sources TEXT NOT NULL,
    in_scope BOOLEAN NOT NULL,
    actions TEXT NOT NULL,
    referrals TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    closed_on DATE,
    agreements BLOB,
    case_report BLOB,
    destroyed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, reference)
);
CREATE INDEX vpo_cases_organisation ON vpo_cases (organisation_id, quarter);

-- Who may see a case: the counsellors assigned to it.
CREATE TABLE vpo_assignments (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    case_id TEXT NOT NULL REFERENCES vpo_cases (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX vpo_assignments_user ON vpo_assignments (organisation_id, user_id);

CREATE TABLE vpo_notes (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    case_id TEXT NOT NULL REFERENCES vpo_cases (id) ON DELETE CASCADE,
    written_on DATE NOT NULL,
    -- When it was stored: notes of one day keep the order they were written in.
    created_at TIMESTAMP NOT NULL,
    author TEXT NOT NULL,
    sealed BLOB NOT NULL
);
CREATE INDEX vpo_notes_case ON vpo_notes (organisation_id, case_id);

-- Every read and change of a case and every hand-over, for the organisation's counsellors:
-- who (an e-mail address), when, which case (its reference), what. Never a case's contents.
CREATE TABLE vpo_access_log (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    case_reference TEXT,
    what TEXT NOT NULL
);
CREATE INDEX vpo_access_log_organisation ON vpo_access_log (organisation_id, at);
