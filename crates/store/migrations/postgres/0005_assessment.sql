-- Annual assessment: the plan's weights ("completeness,timeliness,targets,evidence,coordinator")
-- and the coordinator's score per unit and year (scaled by 10^4 like every quantity).
ALTER TABLE plan_info ADD COLUMN assessment_weights TEXT;

CREATE TABLE assessment_scores (
    year         INTEGER NOT NULL,
    unit_code    TEXT NOT NULL REFERENCES units (code),
    score_scaled BIGINT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    scored_by    TEXT NOT NULL,
    scored_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (year, unit_code)
);
