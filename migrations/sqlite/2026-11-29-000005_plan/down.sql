DROP TABLE plan_history;
DROP TABLE plan_items;
