-- Retention of the confidential counsellor's case files (DOMAIN.md section 8): the organisation's
-- maximum after closing, the annual reports whose finalisation destroys the confidential parts of
-- the cases counted in them, and the log of what was destroyed (never its contents).
CREATE TABLE vpo_settings (
    organisation_id TEXT PRIMARY KEY NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    max_months INTEGER NOT NULL DEFAULT 12 CHECK (max_months BETWEEN 1 AND 120),
    -- Where the organisation's counsellors refer people, one per line; empty: psa's defaults.
    referrals TEXT NOT NULL DEFAULT ''
);

-- The counsellor's annual report per year: the recommendations, and when it was finalised.
CREATE TABLE vpo_reports (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    recommendations TEXT NOT NULL DEFAULT '',
    finalised_at TIMESTAMP NULL,
    PRIMARY KEY (organisation_id, year)
);

-- One line per case whose notes, agreements and case report were destroyed: when, which case (by
-- reference), what (counts and names of parts), and why (`report_finalised`, `maximum_reached`).
CREATE TABLE vpo_destruction_log (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    case_reference TEXT NOT NULL,
    what TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('report_finalised', 'maximum_reached'))
);
CREATE INDEX vpo_destruction_log_organisation ON vpo_destruction_log (organisation_id, at);
