-- The confidential counsellor's annual report per year (DOMAIN.md section 8): the counsellors'
-- recommendations, and when the report was finalised (after which they no longer change). The
-- figures are not stored: they are computed from the cases' statistics-only facts.
CREATE TABLE vpo_reports (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    recommendations TEXT NOT NULL DEFAULT '',
    finalised_at TIMESTAMP NULL,
    PRIMARY KEY (organisation_id, year)
);
