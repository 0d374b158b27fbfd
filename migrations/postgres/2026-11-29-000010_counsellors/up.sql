-- Confidential counsellors as employees see them on the organisation's public information page
-- (`/o/{public_id}/vpo-info`), kept by an admin or a counsellor. `languages` holds ISO 639-1 codes,
-- comma-separated (`nl,en`). The optional photo is a JPEG or PNG of at most 1 MiB, its type known
-- from its first bytes.
CREATE TABLE counsellors (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('internal', 'external')),
    gender TEXT CHECK (gender IS NULL OR gender IN ('female', 'male', 'other')),
    languages TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    availability TEXT,
    photo_type TEXT CHECK (photo_type IS NULL OR photo_type IN ('image/jpeg', 'image/png')),
    photo BYTEA,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((photo_type IS NULL) = (photo IS NULL))
);
CREATE INDEX counsellors_organisation ON counsellors (organisation_id, name);
