-- Autodiagnostics. Nothing is kept while someone answers (her answers travel in her private
-- link); a row is written only with her consent: an anonymous contribution to the
-- observatory's statistics, or a result a member saves to her space.
CREATE TABLE diagnostic_contributions (
    id BIGSERIAL PRIMARY KEY,
    questionnaire TEXT NOT NULL,
    -- SHA-256 of the response's random id: a result counts once, however often it is sent.
    response_hash TEXT NOT NULL UNIQUE,
    -- INSEE code of the département she named: nothing finer is kept.
    department TEXT NOT NULL,
    -- The slugs of the levers « à renforcer », comma-separated, in the frame's order.
    weak_levers TEXT NOT NULL,
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    -- The first day of the month it was given (no finer time is kept).
    month_start BIGINT NOT NULL
);
CREATE INDEX diagnostic_contributions_questionnaire
    ON diagnostic_contributions (questionnaire, department);

CREATE TABLE diagnostic_saved (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    questionnaire TEXT NOT NULL,
    -- SHA-256 of the response's random id: saving again the same response replaces it.
    response_hash TEXT NOT NULL,
    -- The answers as JSON, by question id.
    answers TEXT NOT NULL,
    department TEXT,
    finished BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, response_hash)
);
CREATE INDEX diagnostic_saved_user ON diagnostic_saved (user_id, updated_at);
