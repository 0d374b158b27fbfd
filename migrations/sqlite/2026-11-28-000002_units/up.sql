-- Organisation units: a tree per organisation. Sibling names are distinct; `parent_key` is the
-- parent's id or '' at the top, because a UNIQUE constraint treats NULL parents as all distinct.
CREATE TABLE units (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES units (id),
    parent_key TEXT NOT NULL,
    name TEXT NOT NULL,
    headcount INTEGER,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, parent_key, name)
);
CREATE INDEX units_organisation_parent ON units (organisation_id, parent_id);
