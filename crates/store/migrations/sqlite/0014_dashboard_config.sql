-- What the leaders' dashboard shows first, from the plan file's [dashboard] table (JSON).
ALTER TABLE plan_info ADD COLUMN dashboard_config TEXT;
