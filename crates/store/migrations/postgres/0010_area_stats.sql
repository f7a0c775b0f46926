-- Yearly poverty figures of a recipient area (受援地贫困数据), one row per area and year, entered by
-- the coordinator. 贫困发生率 is a percentage scaled by 10^4 like every quantity.
CREATE TABLE area_stats (
    area_code         TEXT NOT NULL REFERENCES areas (code),
    year              INTEGER NOT NULL,
    poor_households   BIGINT NOT NULL CHECK (poor_households >= 0),
    poor_people       BIGINT NOT NULL CHECK (poor_people >= 0),
    lifted_out        BIGINT NOT NULL CHECK (lifted_out >= 0),
    incidence_scaled  BIGINT NOT NULL CHECK (incidence_scaled BETWEEN 0 AND 1000000),
    poor_villages     BIGINT NOT NULL CHECK (poor_villages >= 0),
    delisted          BOOLEAN NOT NULL,
    delisted_year     INTEGER,
    recorded_by       TEXT NOT NULL,
    recorded_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (area_code, year)
);
