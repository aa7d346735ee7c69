import GRDB

/// The coordinator's tables, as numbered migrations. A migration, once
/// shipped, is never edited: later changes add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: datasets, runs, iterations, statistics, leases, traces") { db in
            try db.execute(sql: """
                CREATE TABLE dataset (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    contentHash TEXT NOT NULL,
                    promptCount INTEGER NOT NULL,
                    options TEXT NOT NULL,
                    importedAt DATETIME NOT NULL
                );
                CREATE TABLE prompt (
                    datasetId INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    problem TEXT NOT NULL,
                    answer TEXT NOT NULL,
                    PRIMARY KEY (datasetId, position)
                ) WITHOUT ROWID;

                CREATE TABLE run (
                    id INTEGER PRIMARY KEY,
                    datasetId INTEGER NOT NULL REFERENCES dataset(id),
                    model TEXT NOT NULL,
                    configuration TEXT NOT NULL,
                    gvmVersion TEXT NOT NULL,
                    state TEXT NOT NULL,
                    currentIteration INTEGER NOT NULL,
                    modelVersion TEXT NOT NULL,
                    createdAt DATETIME NOT NULL
                );
                CREATE TABLE iteration (
                    runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL,
                    stage TEXT NOT NULL,
                    modelVersion TEXT NOT NULL,
                    promptCount INTEGER NOT NULL,
                    budget INTEGER NOT NULL,
                    fellBackToUniform BOOLEAN NOT NULL DEFAULT 0,
                    fallbackReason TEXT,
                    startedAt DATETIME NOT NULL,
                    finishedAt DATETIME,
                    PRIMARY KEY (runId, number)
                ) WITHOUT ROWID;
                -- The prompts of an iteration's batch, in batch order.
                CREATE TABLE iterationPrompt (
                    runId INTEGER NOT NULL,
                    iteration INTEGER NOT NULL,
                    batchIndex INTEGER NOT NULL,
                    promptId INTEGER NOT NULL,
                    allocatedCount INTEGER,
                    allocatedRatio REAL,
                    PRIMARY KEY (runId, iteration, batchIndex),
                    UNIQUE (runId, iteration, promptId),
                    FOREIGN KEY (runId, iteration) REFERENCES iteration(runId, number) ON DELETE CASCADE
                ) WITHOUT ROWID;
                -- PromptStageStatistics, per prompt, stage and iteration. Only
                -- taken results add to it, in the transaction that writes their traces.
                CREATE TABLE promptStatistics (
                    runId INTEGER NOT NULL,
                    iteration INTEGER NOT NULL,
                    stage TEXT NOT NULL,
                    promptId INTEGER NOT NULL,
                    samples INTEGER NOT NULL DEFAULT 0,
                    accepted INTEGER NOT NULL DEFAULT 0,
                    gradNormSum REAL NOT NULL DEFAULT 0,
                    gradNormSquareSum REAL NOT NULL DEFAULT 0,
                    PRIMARY KEY (runId, iteration, stage, promptId),
                    FOREIGN KEY (runId, iteration) REFERENCES iteration(runId, number) ON DELETE CASCADE
                ) WITHOUT ROWID;

                -- A slice of one prompt's samples in one stage; leased whole.
                CREATE TABLE workUnit (
                    id INTEGER PRIMARY KEY,
                    runId INTEGER NOT NULL,
                    iteration INTEGER NOT NULL,
                    stage TEXT NOT NULL,
                    promptId INTEGER NOT NULL,
                    firstSampleIndex INTEGER NOT NULL,
                    sampleCount INTEGER NOT NULL,
                    seed INTEGER NOT NULL,
                    state TEXT NOT NULL,            -- queued | leased | done
                    leaseId TEXT,                   -- the lease that may complete it
                    UNIQUE (runId, iteration, stage, promptId, firstSampleIndex),
                    FOREIGN KEY (runId, iteration) REFERENCES iteration(runId, number) ON DELETE CASCADE
                );
                CREATE INDEX workUnitByState ON workUnit(state, runId, id);
                CREATE INDEX workUnitByStage ON workUnit(runId, iteration, stage, state);

                CREATE TABLE lease (
                    id TEXT PRIMARY KEY,
                    workUnitId INTEGER NOT NULL REFERENCES workUnit(id) ON DELETE CASCADE,
                    workerName TEXT NOT NULL,
                    issuedAt DATETIME NOT NULL,
                    expiresAt DATETIME NOT NULL,
                    state TEXT NOT NULL,            -- active | expired | completed | released | superseded
                    receipt TEXT                    -- the answer to its result, replayed on a repeat
                ) WITHOUT ROWID;
                CREATE INDEX leaseByExpiry ON lease(state, expiresAt);

                CREATE TABLE trace (
                    id INTEGER PRIMARY KEY,
                    runId INTEGER NOT NULL,
                    iteration INTEGER NOT NULL,
                    stage TEXT NOT NULL,
                    promptId INTEGER NOT NULL,
                    sampleIndex INTEGER NOT NULL,
                    modelVersion TEXT NOT NULL,
                    response TEXT NOT NULL,
                    reward REAL NOT NULL,
                    gradNorm REAL,
                    completionTokens INTEGER NOT NULL,
                    finishReason TEXT NOT NULL,
                    tokenLogprobs TEXT,
                    leaseId TEXT NOT NULL,
                    workerName TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    UNIQUE (runId, iteration, stage, promptId, sampleIndex)
                );
                CREATE INDEX traceByIteration ON trace(runId, iteration, stage, id);

                CREATE TABLE worker (
                    name TEXT PRIMARY KEY,
                    model TEXT NOT NULL,
                    firstSeen DATETIME NOT NULL,
                    lastSeen DATETIME NOT NULL,
                    samplesSubmitted INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2: lease completion time and size, for throughput") { db in
            try db.execute(sql: """
                ALTER TABLE lease ADD COLUMN completedAt DATETIME;
                ALTER TABLE lease ADD COLUMN samples INTEGER;
                ALTER TABLE lease ADD COLUMN tokens INTEGER;
                CREATE INDEX leaseByCompletion ON lease(completedAt) WHERE completedAt IS NOT NULL;
                """)
        }
        migrator.registerMigration("v3: built-in model weights, training and test evaluations, prompt levels") { db in
            try db.execute(sql: """
                -- A task set's difficulty level, when its lines carry one;
                -- NULL for prompts imported before v3 or without a level.
                ALTER TABLE prompt ADD COLUMN level INTEGER;

                -- The weights file of each model version of a built-in run.
                -- A rowid table: WITHOUT ROWID suits small rows, not blobs.
                CREATE TABLE modelWeights (
                    id INTEGER PRIMARY KEY,
                    runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    version TEXT NOT NULL,
                    bytes BLOB NOT NULL,
                    sha256 TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    UNIQUE (runId, version)
                );

                -- The train stage of an iteration of a built-in run: progress
                -- while it runs, then the step statistics and the version made.
                CREATE TABLE training (
                    runId INTEGER NOT NULL,
                    iteration INTEGER NOT NULL,
                    steps INTEGER NOT NULL,
                    stepsDone INTEGER NOT NULL DEFAULT 0,
                    sequences INTEGER NOT NULL DEFAULT 0,
                    skippedTraces INTEGER NOT NULL DEFAULT 0,
                    droppedGroups INTEGER NOT NULL DEFAULT 0,
                    meanLoss REAL,
                    meanRatio REAL,
                    clippedFraction REAL,
                    meanGradNorm REAL,
                    modelVersion TEXT,
                    startedAt DATETIME NOT NULL,
                    finishedAt DATETIME,
                    PRIMARY KEY (runId, iteration),
                    FOREIGN KEY (runId, iteration) REFERENCES iteration(runId, number) ON DELETE CASCADE
                ) WITHOUT ROWID;

                -- Greedy test accuracy of one model version of a built-in run.
                CREATE TABLE evaluation (
                    runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    modelVersion TEXT NOT NULL,
                    prompts INTEGER NOT NULL,
                    correct INTEGER NOT NULL,
                    byLevel TEXT NOT NULL,
                    evaluatedAt DATETIME NOT NULL,
                    PRIMARY KEY (runId, modelVersion)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4: the allocation cap's unallocated budget, and each run's prompt-order version") { db in
            try db.execute(sql: """
                -- U: the part of the budget the cap left unallocated (0 without a cap).
                ALTER TABLE iteration ADD COLUMN unallocated INTEGER NOT NULL DEFAULT 0;
                -- How the run shuffles prompts and minibatches: 0 for runs made
                -- before gvm had its own Fisher-Yates (the standard library's
                -- shuffle), 1 since (RunDeterminism).
                ALTER TABLE run ADD COLUMN orderVersion INTEGER NOT NULL DEFAULT 0;
                """)
        }
        migrator.registerMigration("v5: result digests, release reasons and kinds, attempts and failed units") { db in
            try db.execute(sql: """
                -- SHA-256 of the taken result's canonical encoding: a repeat
                -- must decode to the same result. NULL for leases finished
                -- before v5, whose repeats are answered as before.
                ALTER TABLE lease ADD COLUMN resultDigest TEXT;
                -- What a worker said when it gave the lease back, when, and
                -- the release's place among that worker's releases (times
                -- alone tie within a millisecond). Only released leases are
                -- indexed, so the worker list reads them without a scan.
                ALTER TABLE lease ADD COLUMN releaseReason TEXT;
                ALTER TABLE lease ADD COLUMN releaseKind TEXT;
                ALTER TABLE lease ADD COLUMN releasedAt DATETIME;
                ALTER TABLE lease ADD COLUMN releaseSequence INTEGER;
                CREATE INDEX leaseReleasesByWorker ON lease(workerName, releaseSequence) WHERE releaseKind IS NOT NULL;
                -- Expiries and counted releases so far (RetryBudget); a unit
                -- past its run's maxAttemptsPerUnit is in state 'failed'.
                ALTER TABLE workUnit ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                """)
        }
        migrator.registerMigration("v6: work units queued in bounded batches") { db in
            try db.execute(sql: """
                -- A stage whose work units are not all queued yet (WorkQueueing):
                -- the next unit to write, as a position in the iteration's
                -- batch. The counts come from the run's configuration and
                -- iterationPrompt. The row goes once the last unit is queued;
                -- while it exists the stage is not complete.
                CREATE TABLE workQueueing (
                    runId INTEGER NOT NULL,
                    iteration INTEGER NOT NULL,
                    stage TEXT NOT NULL,
                    promptCount INTEGER NOT NULL,
                    maxSamplesPerLease INTEGER NOT NULL,
                    nextBatchIndex INTEGER NOT NULL,
                    nextSampleIndex INTEGER NOT NULL,
                    plannedUnits INTEGER NOT NULL,
                    queuedUnits INTEGER NOT NULL,
                    PRIMARY KEY (runId, iteration, stage),
                    FOREIGN KEY (runId, iteration) REFERENCES iteration(runId, number) ON DELETE CASCADE
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v7: datasets imported in batches stay hidden until ready") { db in
            try db.execute(sql: """
                -- 'importing' while a streamed import adds prompts batch by
                -- batch (DatasetRowState); such a row has a placeholder name
                -- that no lookup matches and the name it will take in
                -- pendingName. Rows from before v7 are ready.
                ALTER TABLE dataset ADD COLUMN state TEXT NOT NULL DEFAULT 'ready';
                ALTER TABLE dataset ADD COLUMN pendingName TEXT;
                """)
        }
        migrator.registerMigration("v8: per-prompt pre-samples and the history's estimates") { db in
            try db.execute(sql: """
                -- The pre-samples a prompt was given: NULL for runs that give
                -- every prompt the configured N' (all runs before v8).
                ALTER TABLE iterationPrompt ADD COLUMN presampleCount INTEGER;
                -- For runs with history statistics: the estimate the
                -- allocation used (PromptEstimate), NULL otherwise.
                ALTER TABLE iterationPrompt ADD COLUMN posteriorA REAL;
                ALTER TABLE iterationPrompt ADD COLUMN posteriorB REAL;
                ALTER TABLE iterationPrompt ADD COLUMN gradNormEstimate REAL;
                -- 'solved' or 'hopeless' when the window said so under GRPO.
                ALTER TABLE iterationPrompt ADD COLUMN historyFlag TEXT;
                """)
        }
        migrator.registerMigration("v9: sample stages in rounds") { db in
            try db.execute(sql: """
                -- Runs with rounds: why the prompt drew no more samples
                -- (SampleRounds.Stop) and what its cap kept unspent; NULL
                -- while it is still drawing, and for runs without rounds.
                ALTER TABLE iterationPrompt ADD COLUMN roundStop TEXT;
                ALTER TABLE iterationPrompt ADD COLUMN unspent INTEGER;
                """)
        }
        migrator.registerMigration("v10: the identity that holds each lease") { db in
            try db.execute(sql: """
                -- The name of the token a lease was granted to: only that
                -- identity may heartbeat, submit to or release it. NULL for
                -- leases granted without tokens (and every lease before v10),
                -- which only callers without a token may touch.
                ALTER TABLE lease ADD COLUMN identity TEXT;
                """)
        }
        return migrator
    }
}
