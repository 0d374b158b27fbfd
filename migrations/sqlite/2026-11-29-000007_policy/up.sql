-- The policy checklist of DOMAIN.md section 1, as HR answers it for the organisation.
CREATE TABLE policy_checks (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    answer TEXT NOT NULL,
    answered_on DATE NOT NULL,
    note TEXT,
    answered_by TEXT NOT NULL,
    PRIMARY KEY (organisation_id, topic)
);

-- Per round: the works council's consent and the certified expert's review, with its report.
CREATE TABLE round_approvals (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    consent_date DATE,
    consent_note TEXT,
    review_date DATE,
    reviewer_name TEXT,
    reviewer_certificate TEXT,
    review_note TEXT,
    report_name TEXT,
    report BLOB,
    PRIMARY KEY (organisation_id, round_id)
);
