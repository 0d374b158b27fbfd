ALTER TABLE plan_items DROP COLUMN signed_off_by;
ALTER TABLE plan_items DROP COLUMN completed_on;
ALTER TABLE plan_items DROP COLUMN completed_by;
ALTER TABLE organisations DROP COLUMN plan_sign_off;
