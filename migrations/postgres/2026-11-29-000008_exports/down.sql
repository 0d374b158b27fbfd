DROP TABLE export_files;
DROP TABLE exports;
