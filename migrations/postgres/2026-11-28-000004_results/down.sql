DROP TABLE round_results;
