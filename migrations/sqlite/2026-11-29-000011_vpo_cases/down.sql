DROP TABLE vpo_access_log;
DROP TABLE vpo_notes;
DROP TABLE vpo_assignments;
DROP TABLE vpo_cases;
