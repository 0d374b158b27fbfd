DROP TABLE vpo_destruction_log;
DROP TABLE vpo_reports;
DROP TABLE vpo_settings;
