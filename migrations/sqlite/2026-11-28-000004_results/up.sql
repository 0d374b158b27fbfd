-- A closed round's results, computed once at close (suppressed groups hold no number) and the
-- only thing results are shown from.
CREATE TABLE round_results (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    results TEXT NOT NULL,
    PRIMARY KEY (organisation_id, round_id)
);
