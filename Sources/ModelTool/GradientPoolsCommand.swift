import ArgumentParser
import Crypto
import Foundation
import Policy
import Shared

/// `gvm-model gradient-pools`: the measurement half of the mechanism
/// benchmark (issue 14). Builds each prompt's pool of samples with their
/// gradient norms and count sketches, batch by batch, into a cache folder
/// that the Python analysis reads.
struct GradientPoolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradient-pools",
        abstract: "Build per-prompt pools of samples with the exact norms and count sketches of their log-likelihood gradients.",
        discussion: """
            Batch b covers tasks b×S to b×S+S−1 of --tasks (S = --batch-size). For each task: --pool M \
            samples at temperature 1, sample k of task j seeded by (--seed, j, k) as `evaluate \
            --temperature` seeds them, new tokens capped at --max-tokens and at what fits the context, \
            each judged by the workers' verifier. When at least one sample of a task is accepted, every \
            sample's gradient of Σ_t log p(response_t | prompt, response_<t) over all parameters is \
            taken (the response is what the trainer learns from: the sampled characters, and \
            end-of-text when it stopped there): its exact L2 norms over the token embedding, the \
            output head and all parameters go to DIR/LABEL/batch-<b>.json, its count sketch into \
            --dimensions D floats (hash and sign per parameter from --sketch-seed) to \
            DIR/LABEL/batch-<b>.f32: little-endian float32 rows of D, row prompt×M + sample, zero \
            where no gradient was taken.

            The .json is written last: a batch whose .json exists is complete and is skipped, so an \
            interrupted run resumes where it stopped. A complete batch built with other settings is \
            refused rather than mixed in.
            """
    )

    @Option(help: "The weights file.")
    var weights: String
    @Option(help: "Tasks, one JSON object a line, as `gvm-model tasks` writes them (its pool.jsonl).")
    var tasks: String
    @Option(help: "Name of this model version's folder in the cache, e.g. v0.")
    var label: String
    @Option(help: ArgumentHelp("The cache folder; batches go to DIR/LABEL.", valueName: "DIR"))
    var cache: String
    @Option(help: "Batches to build (0 to this − 1).")
    var batches = 4
    @Option(help: "Prompts per batch.")
    var batchSize = 64
    @Option(help: "Samples per prompt (M).")
    var pool = 256
    @Option(help: "Count-sketch dimensions (D), a power of two.")
    var dimensions = 4096
    @Option(help: "Seed of the sketch's hash and signs.")
    var sketchSeed: UInt64 = 1
    @Option(help: "Seed of the samples.")
    var seed: UInt64 = 1
    @Option(help: "A run's generation.maxTokens: new tokens per sample, capped at what fits the context.")
    var maxTokens = 128

    static let maximumDimensions = 1 << 20
    static let maximumPool = 65_536

    func validate() throws {
        guard !label.isEmpty, !label.contains("/"), label != ".", label != ".." else {
            throw ValidationError("--label must be a folder name (no \"/\", not \".\" or \"..\"), got \"\(label)\"")
        }
        guard !cache.isEmpty else { throw ValidationError("--cache must name a folder") }
        guard batches >= 1 else { throw ValidationError("--batches must be at least 1, got \(batches)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard (1...Self.maximumPool).contains(pool) else {
            throw ValidationError("--pool must be 1 to \(Self.maximumPool), got \(pool)")
        }
        guard CountSketch.isValidDimensions(dimensions), dimensions <= Self.maximumDimensions else {
            throw ValidationError("--dimensions must be a power of two from 1 to \(Self.maximumDimensions), got \(dimensions)")
        }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens)") }
    }

    func run() throws {
        let weightsURL = URL(fileURLWithPath: weights)
        let bytes: Data
        let contents: WeightsFile.Contents
        do {
            bytes = try Data(contentsOf: weightsURL)
            contents = try WeightsFile.decode([UInt8](bytes))
        } catch {
            throw ValidationError("--weights \(weights): \(error)")
        }
        let weightsSHA256 = SHA256.hash(data: bytes).lowercaseHex
        let model = try TransformerModel(weights: contents, maxBatch: 1)
        let allTasks = try readTasks(tasks)
        let needed = batches * batchSize
        guard allTasks.count >= needed else {
            throw ValidationError("--tasks \(tasks) holds \(allTasks.count) tasks; --batches \(batches) × --batch-size \(batchSize) need \(needed)")
        }
        // Every prompt must fit the model before any batch is started.
        var prompts: [[Int32]] = []
        for (index, task) in allTasks.prefix(needed).enumerated() {
            guard let prompt = try? Vocabulary.encode(task.prompt), !prompt.isEmpty,
                prompt.count <= model.config.contextLength
            else {
                throw ValidationError("--tasks \(tasks): task \(index) does not fit the model (prompt of \(task.prompt.utf8.count) characters, context \(model.config.contextLength), or a character outside the vocabulary)")
            }
            prompts.append(prompt)
        }

        let folder = URL(fileURLWithPath: cache, isDirectory: true).appendingPathComponent(label, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw GradientPoolsError("cannot create \(folder.path): \((error as NSError).localizedDescription)")
        }
        let lock = try CacheFolderLock(folder: folder)
        defer { withExtendedLifetime(lock) {} }
        let template = GradientPoolBatchRecord(
            format: GradientPoolBatchRecord.currentFormat, label: label, weightsSHA256: weightsSHA256,
            tasksFile: URL(fileURLWithPath: tasks).lastPathComponent, batch: 0, poolSize: pool, dimensions: dimensions,
            sketchSeed: sketchSeed, samplingSeed: seed, temperature: 1, maxTokens: maxTokens,
            parameterCount: model.parameterCount, cpuModel: MachineIdentity.cpuModel(),
            openblasCore: MachineIdentity.openblasCore(), seconds: 0, prompts: [])
        say("gradient-pools: \(label), \(model.parameterCount) parameters, \(batches) batches × \(batchSize) prompts × \(pool) samples, D = \(dimensions), cpu \(template.cpuModel), OpenBLAS \(template.openblasCore)")

        let builder = GradientPoolBuilder(
            model: model, sketch: CountSketch(inputCount: model.parameterCount, dimensions: dimensions, seed: sketchSeed),
            poolSize: pool, samplingSeed: seed, maxTokens: maxTokens)
        // One prompt's rows at a time (M × D floats); the file takes them as they come.
        let rows = UnsafeMutableBufferPointer<Float>.allocate(capacity: pool * dimensions)
        defer { rows.deallocate() }
        let clock = ContinuousClock()
        let start = clock.now
        for batch in 0..<batches {
            let files = GradientPoolBatchFiles(folder: folder, batch: batch)
            if files.isComplete {
                try checkSettings(of: try files.readRecord(), against: template, files: files)
                say("batch \(batch): complete (\(files.record.lastPathComponent) present), skipped")
                continue
            }
            var record = template
            record.batch = batch
            record.seconds = try buildBatch(batch, prompts: prompts, tasks: allTasks, builder: builder, rows: rows, files: files, into: &record)
            try files.writeRecord(record)
        }
        say(String(format: "gradient-pools: done in %.1f s", (clock.now - start).seconds))
    }

    /// Builds one batch's pools, writes its sketches and fills the record's
    /// prompts; returns its wall seconds.
    private func buildBatch(
        _ batch: Int, prompts: [[Int32]], tasks: [ArithmeticTask], builder: GradientPoolBuilder,
        rows: UnsafeMutableBufferPointer<Float>, files: GradientPoolBatchFiles, into record: inout GradientPoolBatchRecord
    ) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let samplingBefore = builder.samplingSeconds, gradientBefore = builder.gradientSeconds
        let writer = try files.openSketches()
        var accepted = 0, withGradients = 0, sampledTokens = 0, gradientTokens = 0
        for position in 0..<batchSize {
            let index = batch * batchSize + position
            let task = tasks[index]
            let result = try builder.build(prompt: prompts[index], gold: task.answer, taskIndex: index, sketches: rows)
            try writer.append(UnsafeBufferPointer(rows))
            let tokens = result.tokens
            record.prompts.append(.init(
                taskIndex: index, level: task.level, gradients: result.gradients, rewards: result.rewards, tokens: tokens,
                normEmbedding: result.normEmbedding, normHead: result.normHead, normAll: result.normAll))
            accepted += result.accepted
            sampledTokens += tokens.reduce(0, +)
            if result.gradients {
                withGradients += 1
                gradientTokens += tokens.reduce(0, +)
            }
            let done = position + 1
            if done % Self.progressEvery == 0 || done == batchSize {
                let sampling = builder.samplingSeconds - samplingBefore, gradient = builder.gradientSeconds - gradientBefore
                say(String(format: "batch %d: %d/%d prompts, %d/%d samples accepted, %d prompts with gradients, %.1f s "
                           + "(sampling %.1f s, %.0f tokens/s; gradients %.1f s, %.0f tokens/s)",
                           batch, done, batchSize, accepted, done * pool, withGradients, (clock.now - start).seconds,
                           sampling, Double(sampledTokens) / max(sampling, 1e-9),
                           gradient, Double(gradientTokens) / max(gradient, 1e-9)))
            }
        }
        try writer.finish()
        return (clock.now - start).seconds
    }

    static let progressEvery = 8

    /// A complete batch must have been built from the same inputs and
    /// settings; otherwise the cache would mix two measurements.
    private func checkSettings(
        of existing: GradientPoolBatchRecord, against expected: GradientPoolBatchRecord, files: GradientPoolBatchFiles
    ) throws {
        let comparisons: [(String, String, String)] = [
            ("format", "\(existing.format)", "\(expected.format)"),
            ("--weights (SHA-256)", existing.weightsSHA256, expected.weightsSHA256),
            ("--tasks", existing.tasksFile, expected.tasksFile),
            ("--batch-size", "\(existing.prompts.count)", "\(batchSize)"),
            ("--pool", "\(existing.poolSize)", "\(expected.poolSize)"),
            ("--dimensions", "\(existing.dimensions)", "\(expected.dimensions)"),
            ("--sketch-seed", "\(existing.sketchSeed)", "\(expected.sketchSeed)"),
            ("--seed", "\(existing.samplingSeed)", "\(expected.samplingSeed)"),
            ("--max-tokens", "\(existing.maxTokens)", "\(expected.maxTokens)"),
        ]
        for (option, was, now) in comparisons where was != now {
            throw GradientPoolsError("\(files.record.path) was built with \(option) \(was), this run has \(now): use another --label or --cache, or delete the batch to rebuild it")
        }
    }
}
