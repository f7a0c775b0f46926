-- What each register entry gives each form row it feeds (derived by the domain from the entry's
-- values and the plan's feeds, written with the entry): a period's figure is a range count over
-- the index instead of a lookup of every entry's date and choice fields.
CREATE TABLE registry_feed_facts (
    entry_id       BIGINT NOT NULL REFERENCES registry_entries (id),
    indicator_code TEXT NOT NULL,
    unit_code      TEXT NOT NULL,
    placed_on      TEXT NOT NULL,
    ends_on        TEXT,
    amount_scaled  BIGINT,
    PRIMARY KEY (entry_id, indicator_code)
);
-- Every unit's figure of a row in a window (a flow): covering, so that the count reads the index only.
CREATE INDEX registry_feed_facts_row
    ON registry_feed_facts (indicator_code, placed_on, unit_code, ends_on, amount_scaled);
-- The same in unit order: a stock (all of a row's facts up to the period's end) is grouped by
-- unit without sorting, and one unit's figures (its report page) read a short range.
CREATE INDEX registry_feed_facts_unit
    ON registry_feed_facts (indicator_code, unit_code, placed_on, ends_on, amount_scaled);
-- The feeds the facts were derived from (NULL: never derived; the entries already kept are
-- derived when the store next opens).
ALTER TABLE plan_info ADD COLUMN registry_facts_basis TEXT;
