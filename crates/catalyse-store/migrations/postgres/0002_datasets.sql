-- Observatory datasets: indicators and their values by territory, group and year.
CREATE TABLE datasets (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    licence TEXT NOT NULL,
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    checksum TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE indicators (
    id BIGSERIAL PRIMARY KEY,
    dataset_id BIGINT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    UNIQUE (dataset_id, slug)
);

CREATE TABLE indicator_values (
    indicator_id BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    territory_level TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    grp TEXT NOT NULL DEFAULT '',
    year INTEGER NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    -- Rank among the territories of the same level, group and year (1 = highest), and how
    -- many they are: computed at import, since values only change with a new import.
    rank INTEGER NOT NULL,
    peers INTEGER NOT NULL,
    PRIMARY KEY (indicator_id, territory_level, territory_code, grp, year)
);
CREATE INDEX indicator_values_territory ON indicator_values (territory_level, territory_code);
