import Foundation

/// `POST /v1/leases`: a worker asks for work.
public struct LeaseRequest: Codable, Sendable, Equatable {
    public var workerName: String
    /// The model the worker's engine serves; only runs of this model match.
    public var model: String
    /// How many samples the worker can take on now.
    public var capacity: Int

    public init(workerName: String, model: String, capacity: Int) {
        self.workerName = workerName
        self.model = model
        self.capacity = capacity
    }
}

/// The answer to a `LeaseRequest`: zero or more leases.
public struct LeaseGrant: Codable, Sendable, Equatable {
    public var leases: [Lease]
    /// When no work is available, how long to wait before asking again.
    public var retryAfterSeconds: Double?

    public init(leases: [Lease], retryAfterSeconds: Double? = nil) {
        self.leases = leases
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// Work for one prompt: `sampleCount` samples starting at `firstSampleIndex`.
public struct Lease: Codable, Sendable, Equatable {
    public var leaseId: String
    public var runId: Int
    public var iteration: Int
    public var stage: SamplingStage
    /// The prompt's position in the dataset.
    public var promptId: Int
    public var firstSampleIndex: Int
    public var sampleCount: Int
    public var prompt: RenderedPrompt
    public var gold: String
    public var generation: GenerationParameters
    public var model: String
    public var modelVersion: String
    /// The engine seed; the same for re-issued work.
    public var seed: Int
    public var expiresAt: Date
    public var algorithm: TrainingAlgorithm
    public var verifier: VerifierName
    public var gradNorm: GradNormMode
    /// The run's gradient service, for `gradNorm` `url`. Absent otherwise
    /// (and from coordinators that predate it).
    public var gradNormURL: String?
    /// For runs on the built-in model: where its weights are. Absent otherwise.
    public var builtin: BuiltinLeaseInfo?

    public init(
        leaseId: String, runId: Int, iteration: Int, stage: SamplingStage, promptId: Int,
        firstSampleIndex: Int, sampleCount: Int, prompt: RenderedPrompt, gold: String,
        generation: GenerationParameters, model: String, modelVersion: String, seed: Int,
        expiresAt: Date, algorithm: TrainingAlgorithm, verifier: VerifierName, gradNorm: GradNormMode,
        gradNormURL: String? = nil, builtin: BuiltinLeaseInfo? = nil
    ) {
        self.leaseId = leaseId
        self.runId = runId
        self.iteration = iteration
        self.stage = stage
        self.promptId = promptId
        self.firstSampleIndex = firstSampleIndex
        self.sampleCount = sampleCount
        self.prompt = prompt
        self.gold = gold
        self.generation = generation
        self.model = model
        self.modelVersion = modelVersion
        self.seed = seed
        self.expiresAt = expiresAt
        self.algorithm = algorithm
        self.verifier = verifier
        self.gradNorm = gradNorm
        self.gradNormURL = gradNormURL
        self.builtin = builtin
    }
}

/// `POST /v1/leases/{leaseId}/heartbeat` answer.
public struct HeartbeatReply: Codable, Sendable, Equatable {
    public var expiresAt: Date

    public init(expiresAt: Date) { self.expiresAt = expiresAt }
}

/// `POST /v1/leases/{leaseId}/result`: what the worker generated.
///
/// For `raft` only accepted samples need to come back; for `grpo` every
/// sample comes back with its reward. `generated` counts every sample either
/// way, since p_i needs the rejected ones too.
public struct LeaseResult: Codable, Sendable, Equatable {
    public var generated: Int
    public var samples: [SampleResult]
    /// Completion tokens of every generated sample, returned or not, for
    /// throughput figures; when absent, the returned samples' tokens count.
    public var generatedTokens: Int?

    public init(generated: Int, samples: [SampleResult], generatedTokens: Int? = nil) {
        self.generated = generated
        self.samples = samples
        self.generatedTokens = generatedTokens
    }

    /// The tokens this result stands for. Saturating, so that even an
    /// unvalidated result cannot trap the process.
    public var tokens: Int {
        generatedTokens ?? samples.reduce(0) { total, sample in
            let (sum, overflow) = total.addingReportingOverflow(sample.completionTokens)
            return overflow ? Int.max : sum
        }
    }
}

public struct SampleResult: Codable, Sendable, Equatable {
    /// The sample's index within the prompt's stage: lease.firstSampleIndex + k.
    public var sampleIndex: Int
    public var response: String
    /// 1 for an accepted (correct) sample, 0 otherwise.
    public var reward: Double
    /// The gradient norm; required for accepted samples.
    public var gradNorm: Double?
    public var completionTokens: Int
    public var finishReason: FinishReason
    /// Per-token log-probabilities, when the backend gives them.
    public var tokenLogprobs: [Double]?

    public init(
        sampleIndex: Int, response: String, reward: Double, gradNorm: Double?,
        completionTokens: Int, finishReason: FinishReason, tokenLogprobs: [Double]? = nil
    ) {
        self.sampleIndex = sampleIndex
        self.response = response
        self.reward = reward
        self.gradNorm = gradNorm
        self.completionTokens = completionTokens
        self.finishReason = finishReason
        self.tokenLogprobs = tokenLogprobs
    }

    public var accepted: Bool { reward > 0 }
}

public enum FinishReason: String, Codable, Sendable, CaseIterable {
    case stop
    case length
}

/// The coordinator's answer to a result. A repeat of the same result (one that
/// decodes to the same value) gets the same receipt, with `duplicate` set,
/// and changes nothing; a different result for a finished lease gets 409.
public struct SubmissionReceipt: Codable, Sendable, Equatable {
    public var leaseId: String
    public var recordedSamples: Int
    public var acceptedSamples: Int
    public var duplicate: Bool

    public init(leaseId: String, recordedSamples: Int, acceptedSamples: Int, duplicate: Bool) {
        self.leaseId = leaseId
        self.recordedSamples = recordedSamples
        self.acceptedSamples = acceptedSamples
        self.duplicate = duplicate
    }
}

/// `POST /v1/leases/{leaseId}/release`: a worker gives work back unfinished
/// (shutting down, or its engine failed), with the reason and its kind.
public struct LeaseRelease: Codable, Sendable, Equatable {
    public var reason: String
    /// Absent from workers that predate kinds; such a release counts as `other`.
    public var kind: ReleaseKind?

    public init(reason: String, kind: ReleaseKind? = nil) {
        self.reason = reason
        self.kind = kind
    }

    /// The kind the coordinator counts.
    public var effectiveKind: ReleaseKind { kind ?? .other }
}

/// The JSON body of every error answer: `{"error":{"status":..,"field":..,"message":..}}`.
public struct ErrorBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var status: Int
        public var field: String?
        public var message: String
    }

    public var error: Detail

    public init(status: Int, field: String?, message: String) {
        error = Detail(status: status, field: field, message: message)
    }
}
