DROP TABLE counsellors;
