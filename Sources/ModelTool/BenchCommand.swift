import ArgumentParser
import Foundation
import Policy
import Shared

/// `gvm-model bench`: the built-in model's speed, beside plain sgemm.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the built-in model: sampling and training tokens/s, and forward+backward GFLOP/s against plain cblas_sgemm at the same sizes.",
        discussion: "Run it on a release build (make bench-model). Each figure is the best of --repeats timed rounds after one untimed round."
    )

    @OptionGroup var shape: ModelShapeOptions
    @Option(help: "Sequences per training batch.")
    var batchSize = 32
    @Option(help: "Positions per training sequence (at most the context).")
    var length = 96
    @Option(help: "Forward+backward passes per timed round.")
    var steps = 10
    @Option(help: "Timed rounds; the best counts.")
    var repeats = 5
    @Option(help: "Continuations per sampling call (k).")
    var samples = 8

    func validate() throws {
        let config = try shape.config()
        guard (1...1024).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 1024, got \(batchSize)") }
        guard (2...config.contextLength).contains(length) else {
            throw ValidationError("--length must be 2 to the context length \(config.contextLength), got \(length)")
        }
        guard steps >= 1, repeats >= 1 else { throw ValidationError("--steps and --repeats must be at least 1") }
        guard (1...64).contains(samples) else { throw ValidationError("--samples must be 1 to 64, got \(samples)") }
    }

    func run() throws {
        let config = try shape.config()
        let model = try TransformerModel(config: config, seed: 1, maxBatch: max(batchSize, samples))
        var generator = SplitMix64(seed: 2)
        var sequences: [[Int32]] = []
        for _ in 0..<batchSize {
            var sequence: [Int32] = []
            for _ in 0...length { sequence.append(Int32(1 + generator.next() % UInt64(Vocabulary.size - 1))) }
            sequences.append(sequence)
        }
        let batch = TokenBatch(sequences: sequences)
        let weights = [Float](repeating: 1 / Float(batchSize * length), count: batchSize * length)

        func best(_ body: () throws -> Void) rethrows -> Double {
            try body()
            var fastest = Double.infinity
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return fastest
        }

        let training = best {
            for _ in 0..<steps {
                _ = model.forward(batch: batch)
                model.zeroGradients()
                model.backward(tokenWeights: weights)
            }
        } / Double(steps)
        let workload = PlainGEMMWorkload(config: config, batchSize: batchSize, length: length)
        _ = workload.run()
        var plainSeconds = Double.infinity
        for _ in 0..<repeats { plainSeconds = min(plainSeconds, workload.run()) }
        let modelFLOPs = config.trainingFLOPs(batchSize: batchSize, length: length)

        let sampler = Sampler(model: model, maxSequences: samples)
        let prompt = try Vocabulary.encode(ArithmeticTasks.prompt(for: "4821+957=?"))
        let newTokens = config.contextLength - prompt.count + 1
        var generated = 0
        let sampling = try best {
            generated = 0
            for seed in 0..<3 {
                let sequences = try sampler.sample(prompt: prompt, count: samples, maxNewTokens: newTokens, temperature: 1, seed: UInt64(seed))
                generated += sequences.reduce(0) { $0 + $1.tokens.count }
            }
        }

        let date = ISO8601DateFormatter().string(from: Date())
        print("gvm-model bench, \(date), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("model: width \(config.width), \(config.layers) layers, \(config.heads) heads, context \(config.contextLength), \(config.parameterCount) parameters")
        print(String(format: "training (forward+backward, batch %d x %d): %.1f ms per pass, %.0f tokens/s, %.2f GFLOP/s",
                     batchSize, length, training * 1000, Double(batchSize * length) / training, modelFLOPs / training / 1e9))
        print(String(format: "plain cblas_sgemm, the same %d products: %.1f ms, %.2f GFLOP/s",
                     workload.products.reduce(0) { $0 + $1.repeats }, plainSeconds * 1000, workload.flops / plainSeconds / 1e9))
        print(String(format: "forward+backward / plain sgemm: %.2f (goal >= 0.50)", (modelFLOPs / training) / (workload.flops / plainSeconds)))
        print(String(format: "sampling (k = %d, KV cache, temperature 1): %d tokens in %.3f s, %.0f tokens/s",
                     samples, generated, sampling, Double(generated) / sampling))
    }
}
