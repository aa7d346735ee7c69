import Policy
import Shared

/// One version of the built-in model as a worker holds it: the network and a
/// sampler over it. Like the network, not thread-safe: use it only inside
/// `ComputeThread` jobs, which run one at a time.
final class BuiltinModel: @unchecked Sendable {
    /// Lower-case hex SHA-256 of the weights file it was loaded from.
    let sha256: String
    let model: TransformerModel
    private let sampler: Sampler

    /// Continuations sampled in one batch; larger leases take several.
    static let samplerBatch = 16

    /// Builds the model from a decoded weights file. The gradient norm takes
    /// one sequence at a time, so the network needs room for one.
    init(contents: WeightsFile.Contents, sha256: String) throws(WeightsFileError) {
        self.sha256 = sha256
        model = try TransformerModel(weights: contents, maxBatch: 1)
        sampler = Sampler(model: model, maxSequences: Self.samplerBatch)
    }

    var contextLength: Int { model.config.contextLength }

    /// `request.count` samples in order, deterministic in the request's
    /// seed. Each holds its tokens (end-of-text included when drawn) and
    /// their raw log-probabilities, one per token.
    func sample(_ request: BuiltinSamplingRequest) throws(BuiltinBackendError) -> [Generation] {
        guard request.prompt.count <= contextLength else {
            throw .promptTooLong(tokens: request.prompt.count, contextLength: contextLength)
        }
        // The model scores at most contextLength + 1 tokens of prompt and response.
        let maxNewTokens = min(request.maxTokens, contextLength + 1 - request.prompt.count)
        var generations: [Generation] = []
        generations.reserveCapacity(request.count)
        var batch = 0
        while generations.count < request.count {
            let count = min(Self.samplerBatch, request.count - generations.count)
            let sequences: [SampledSequence]
            do {
                sequences = try sampler.sample(
                    prompt: request.prompt, count: count, maxNewTokens: maxNewTokens,
                    temperature: request.temperature, topP: request.topP, seed: Self.seed(request.seed, batch: batch))
            } catch {
                throw .sampling(error.description)
            }
            generations += sequences.map(Self.generation)
            batch += 1
        }
        return generations
    }

    /// The exact norm of the gradient of the response's sequence
    /// log-likelihood over `group`.
    func gradientNorm(prompt: [Int32], response: [Int32], group: ParameterGroup) throws(GradNormError) -> Double {
        // sequenceGradientNorm traps on these; a bad sample must fail its
        // lease, not the worker.
        guard !prompt.isEmpty, !response.isEmpty else { throw .noResponseTokens }
        guard prompt.count + response.count - 1 <= contextLength else {
            throw .sequenceTooLong(tokens: prompt.count + response.count, contextLength: contextLength)
        }
        let vocabulary = Int32(model.config.vocabSize)
        guard (prompt + response).allSatisfy({ $0 >= 0 && $0 < vocabulary }) else { throw .tokenOutsideVocabulary }
        return model.sequenceGradientNorm(prompt: prompt, response: response, group: group)
    }

    /// The first batch uses the lease's seed itself; later ones (leases of
    /// more than `samplerBatch` samples) seeds that differ from it.
    static func seed(_ seed: UInt64, batch: Int) -> UInt64 {
        seed &+ UInt64(batch) &* 0x9E37_79B9_7F4A_7C15
    }

    private static func generation(_ sequence: SampledSequence) -> Generation {
        Generation(
            text: Vocabulary.decode(sequence.tokens),
            completionTokens: sequence.tokens.count,
            finishReason: sequence.stopReason == .endOfText ? .stop : .length,
            tokenLogprobs: sequence.logProbabilities.map(Double.init),
            tokenIds: sequence.tokens)
    }
}
