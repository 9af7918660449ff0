-- Besoins des territoires: needs expressed by members or by visitors who confirm by email,
-- moderated like cases, followed by a dated trail; the offers of help and requests to be
-- put in touch; the draft needs of webinar registrations; a member's opt-out of suggestions.
CREATE TABLE needs (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    -- The member who expressed it; NULL for a visitor, imported or example data, or once
    -- her account is deleted (the need stays).
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- A visitor's address, never shown.
    author_email TEXT,
    -- SHA-256 (hex) of the secret of a visitor's confirmation link, and until when it holds.
    confirm_token_hash TEXT UNIQUE,
    confirm_expires_at BIGINT,
    -- When the author's address was confirmed (a member's need: at once); until then the
    -- need waits outside moderation.
    confirmed_at BIGINT,
    published TEXT,
    published_at BIGINT,
    draft TEXT,
    review TEXT CHECK (review IN ('pending', 'rejected')),
    review_reason TEXT NOT NULL DEFAULT '',
    revision BIGINT NOT NULL DEFAULT 0,
    submitted_at BIGINT,
    status TEXT NOT NULL DEFAULT 'ouvert'
        CHECK (status IN ('ouvert', 'en-relation', 'resolu', 'clos')),
    origin TEXT NOT NULL DEFAULT 'formulaire'
        CHECK (origin IN ('formulaire', 'webinaire', 'import', 'exemple')),
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    -- Of the published version, to select without reading its JSON (NULL until published).
    territory_level TEXT,
    territory_code TEXT,
    fragility TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX needs_review ON needs (review, submitted_at);
CREATE INDEX needs_author ON needs (author_id);
CREATE INDEX needs_status ON needs (status, published_at);
CREATE INDEX needs_territory ON needs (territory_level, territory_code);
CREATE INDEX needs_fragility ON needs (fragility);
CREATE INDEX needs_unconfirmed ON needs (confirm_expires_at) WHERE confirmed_at IS NULL;

-- The dated trail of a need's statuses.
CREATE TABLE need_events (
    id BIGSERIAL PRIMARY KEY,
    need_id BIGINT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ouvert', 'en-relation', 'resolu', 'clos')),
    note TEXT NOT NULL DEFAULT '',
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX need_events_need ON need_events (need_id, at);

-- « Je peux aider » (offer) and « Demander une mise en relation » (request): who, to whom,
-- when, never the message. The rows a member sent go with her account; those addressed to
-- her lose her id.
CREATE TABLE need_contacts (
    id BIGSERIAL PRIMARY KEY,
    need_id BIGINT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    from_user BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    to_user BIGINT REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('offer', 'request')),
    at BIGINT NOT NULL
);
CREATE INDEX need_contacts_need ON need_contacts (need_id, at);
CREATE INDEX need_contacts_from ON need_contacts (from_user, at);

-- The answer to the webinar registration's question « Quel est votre besoin ? »: a draft
-- need for its author to complete; used once it became a need.
CREATE TABLE need_drafts (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    event_id BIGINT REFERENCES events (id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX need_drafts_user ON need_drafts (user_id);
CREATE INDEX need_drafts_email ON need_drafts (email);

-- A member may refuse to be suggested to the authors of needs.
ALTER TABLE members ADD COLUMN suggestible BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX members_unsuggestible ON members (user_id) WHERE NOT suggestible;

-- Moderation decisions and reports may be about a need.
ALTER TABLE moderation_decisions DROP CONSTRAINT moderation_decisions_subject_check;
ALTER TABLE moderation_decisions ADD CONSTRAINT moderation_decisions_subject_check
    CHECK (subject IN ('member', 'place', 'case', 'need'));
ALTER TABLE reports DROP CONSTRAINT reports_subject_check;
ALTER TABLE reports ADD CONSTRAINT reports_subject_check
    CHECK (subject IN ('member', 'place', 'case', 'need'));
