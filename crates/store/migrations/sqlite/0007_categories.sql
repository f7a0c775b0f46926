-- Areas of the national assessment (组织领导, 资金支持 …) and the form rows and tasks they cover.
CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    seq  INTEGER NOT NULL
);

-- kind: 'indicator' or 'task'.
CREATE TABLE category_members (
    category_code TEXT NOT NULL REFERENCES categories (code),
    kind          TEXT NOT NULL CHECK (kind IN ('indicator', 'task')),
    member_code   TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    PRIMARY KEY (kind, member_code)
);
