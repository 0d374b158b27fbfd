DROP TABLE round_approvals;
DROP TABLE policy_checks;
