package io.kafkabridge.fuzz;

/** What the oracle expects of an input: refused (bad), answered on a live connection (valid), or anything (grey zone). */
enum Expect { REJECT, ACCEPT, ANY }
