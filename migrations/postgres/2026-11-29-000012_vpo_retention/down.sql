DROP TABLE vpo_reports;
