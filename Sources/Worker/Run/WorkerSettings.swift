import Shared

/// One source of `gvm-worker run` settings: the `--config` JSON file (same
/// names as the flags, in camelCase) or the command line. nil = not given.
struct WorkerSettings: Codable, Sendable, Equatable {
    var coordinator: String?
    var backend: String?
    var endpoint: String?
    var model: String?
    var concurrency: Int?
    var name: String?
    var requestTimeoutSeconds: Double?
    var apiKey: String?
    var shutdownGraceSeconds: Double?
    var logLevel: String?
    var topLogprobs: Int?
    var gradNormTimeoutSeconds: Double?
    /// The file holding the bearer token for the coordinator.
    var tokenFile: String?
    /// The CA certificates to trust for an https coordinator, instead of the system's.
    var caFile: String?

    init(
        coordinator: String? = nil, backend: String? = nil, endpoint: String? = nil, model: String? = nil,
        concurrency: Int? = nil, name: String? = nil, requestTimeoutSeconds: Double? = nil,
        apiKey: String? = nil, shutdownGraceSeconds: Double? = nil, logLevel: String? = nil,
        topLogprobs: Int? = nil, gradNormTimeoutSeconds: Double? = nil, tokenFile: String? = nil, caFile: String? = nil
    ) {
        self.coordinator = coordinator
        self.backend = backend
        self.endpoint = endpoint
        self.model = model
        self.concurrency = concurrency
        self.name = name
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.apiKey = apiKey
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.logLevel = logLevel
        self.topLogprobs = topLogprobs
        self.gradNormTimeoutSeconds = gradNormTimeoutSeconds
        self.tokenFile = tokenFile
        self.caFile = caFile
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case coordinator, backend, endpoint, model, concurrency, name
        case requestTimeoutSeconds, apiKey, shutdownGraceSeconds, logLevel
        case topLogprobs, gradNormTimeoutSeconds, tokenFile, caFile
    }

    /// Unknown keys are refused: a misspelt setting silently left at its
    /// default is worse than an error.
    init(from decoder: any Decoder) throws {
        let keys = try decoder.container(keyedBy: AnyCodingKey.self).allKeys
        if let unknown = keys.first(where: { CodingKeys(stringValue: $0.stringValue) == nil }) {
            let known = CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorrupted(.init(
                codingPath: [unknown], debugDescription: "unknown setting; known: \(known)"))
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        coordinator = try c.decodeIfPresent(String.self, forKey: .coordinator)
        backend = try c.decodeIfPresent(String.self, forKey: .backend)
        endpoint = try c.decodeIfPresent(String.self, forKey: .endpoint)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        concurrency = try c.decodeIfPresent(Int.self, forKey: .concurrency)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        requestTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .requestTimeoutSeconds)
        apiKey = try c.decodeIfPresent(String.self, forKey: .apiKey)
        shutdownGraceSeconds = try c.decodeIfPresent(Double.self, forKey: .shutdownGraceSeconds)
        logLevel = try c.decodeIfPresent(String.self, forKey: .logLevel)
        topLogprobs = try c.decodeIfPresent(Int.self, forKey: .topLogprobs)
        gradNormTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .gradNormTimeoutSeconds)
        tokenFile = try c.decodeIfPresent(String.self, forKey: .tokenFile)
        caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
    }

    /// These settings, with `base`'s filling the ones not given here.
    func overriding(_ base: WorkerSettings) -> WorkerSettings {
        WorkerSettings(
            coordinator: coordinator ?? base.coordinator,
            backend: backend ?? base.backend,
            endpoint: endpoint ?? base.endpoint,
            model: model ?? base.model,
            concurrency: concurrency ?? base.concurrency,
            name: name ?? base.name,
            requestTimeoutSeconds: requestTimeoutSeconds ?? base.requestTimeoutSeconds,
            apiKey: apiKey ?? base.apiKey,
            shutdownGraceSeconds: shutdownGraceSeconds ?? base.shutdownGraceSeconds,
            logLevel: logLevel ?? base.logLevel,
            topLogprobs: topLogprobs ?? base.topLogprobs,
            gradNormTimeoutSeconds: gradNormTimeoutSeconds ?? base.gradNormTimeoutSeconds,
            tokenFile: tokenFile ?? base.tokenFile,
            caFile: caFile ?? base.caFile)
    }
}
