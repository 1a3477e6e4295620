-- Cards, the DPANs issued to them, and the approvals given.
-- `replay_window` and `key_use` are the library's serialised replay window
-- (lifecycle::AtcWindow) and credential counts with their limits
-- (lifecycle::BackendUsage); every authorisation replaces them with compare-and-swap
-- (UPDATE ... WHERE replay_window = old AND key_use = old) in the same statement
-- that records the approval.
CREATE TABLE cards (
    id          BIGSERIAL PRIMARY KEY,
    card_ref    TEXT     NOT NULL UNIQUE,
    -- Demo: the account PAN in clear (production: a vault reference).
    pan         TEXT     NOT NULL UNIQUE,
    psn         SMALLINT NOT NULL,
    cvn         TEXT     NOT NULL,
    imk         TEXT     NOT NULL,
    replay_window BYTEA    NOT NULL,
    key_use     BYTEA    NOT NULL
);

CREATE TABLE token_runs (
    range_id    TEXT     NOT NULL,
    first_seq   BIGINT   NOT NULL,
    last_seq    BIGINT   NOT NULL,
    card_id     BIGINT   NOT NULL REFERENCES cards (id),
    PRIMARY KEY (range_id, first_seq)
);

-- One row per approval. The primary key is a second, independent guard:
-- even a wrong window could not record one ATC of a card as approved twice.
CREATE TABLE approvals (
    card_id     BIGINT   NOT NULL REFERENCES cards (id),
    atc         INTEGER  NOT NULL,
    amount      BIGINT   NOT NULL,
    currency    INTEGER  NOT NULL,
    PRIMARY KEY (card_id, atc)
);
