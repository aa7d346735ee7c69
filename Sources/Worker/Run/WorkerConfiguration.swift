import ClientAccess
import Foundation
import Logging

/// The settings `gvm-worker run` works with, after merging the command line
/// over the `--config` file and checking them. Problems are reported in the
/// command line's terms, since that is where most settings come from.
struct WorkerConfiguration: Sendable, Equatable {
    enum Backend: Sendable, Equatable {
        /// An OpenAI-compatible server at `endpoint` (the base URL with `/v1`)
        /// serving `model`.
        case openAI(endpoint: String, model: String, apiKey: String?)
        /// The built-in model, run in the worker on weights downloaded from
        /// the coordinator; `model` is the name its lease requests carry.
        case builtin(model: String)
    }

    var coordinator: String
    var backend: Backend
    var concurrency: Int
    var name: String
    var requestTimeout: Duration
    var shutdownGrace: Duration
    var logLevel: Logger.Level
    /// Alternatives per token asked of the engine for `logit-proxy` leases.
    var topLogprobs: Int
    /// How long one request to a run's gradient service (`url` mode) may take.
    var gradNormTimeout: Duration
    /// The bearer token for the coordinator (`--token-file`, then `GVM_TOKEN`).
    var credential: CoordinatorCredential
    /// The CA certificates an https coordinator must chain to; nil trusts the system's.
    var caFile: String?

    static let backendNames = ["openai", "builtin"]

    /// The model name a builtin worker asks for when given none.
    static let builtinModelName = "builtin"

    /// - Parameters:
    ///   - environment: `OPENAI_API_KEY` supplies the API key when no
    ///     setting does, so that it need not appear on a command line;
    ///     `GVM_TOKEN` the coordinator's token when no token file is given.
    ///   - defaultName: the worker's name when none is given.
    init(_ settings: WorkerSettings, environment: [String: String], defaultName: String) throws(WorkerConfigurationError) {
        guard let coordinator = settings.coordinator, !coordinator.isEmpty else {
            throw WorkerConfigurationError("missing --coordinator: the coordinator's base URL, e.g. http://host:8080")
        }
        try Self.checkHTTPURL(coordinator, flag: "--coordinator")
        self.coordinator = coordinator

        guard let backendName = settings.backend else {
            throw WorkerConfigurationError("missing --backend: one of \(Self.backendNames.joined(separator: ", "))")
        }
        switch backendName {
        case "openai":
            guard let endpoint = settings.endpoint, !endpoint.isEmpty else {
                throw WorkerConfigurationError(
                    "--backend openai needs --endpoint: the server's OpenAI base URL including /v1, e.g. http://localhost:8000/v1")
            }
            try Self.checkHTTPURL(endpoint, flag: "--endpoint")
            guard let model = settings.model, !model.isEmpty else {
                throw WorkerConfigurationError("--backend openai needs --model: the model name the server serves")
            }
            let apiKey = settings.apiKey ?? environment["OPENAI_API_KEY"]
            backend = .openAI(endpoint: endpoint, model: model, apiKey: apiKey.flatMap { $0.isEmpty ? nil : $0 })
        case "builtin":
            // Refused rather than ignored: an endpoint suggests the worker
            // was meant to use an inference server. An empty one counts as
            // none, because the systemd unit always passes `--endpoint
            // ${GVM_ENDPOINT}` and a builtin instance leaves that empty.
            if let endpoint = settings.endpoint, !endpoint.isEmpty {
                throw WorkerConfigurationError(
                    "--backend builtin runs the model inside the worker and takes no --endpoint (got \"\(endpoint)\"); "
                        + "drop --endpoint, or use --backend openai")
            }
            // Likewise an empty --model means the default name.
            let model = settings.model.flatMap { $0.isEmpty ? nil : $0 } ?? Self.builtinModelName
            backend = .builtin(model: model)
        default:
            throw WorkerConfigurationError(
                "unknown --backend \"\(backendName)\"; expected one of \(Self.backendNames.joined(separator: ", "))")
        }

        concurrency = settings.concurrency ?? 1
        guard (1...4096).contains(concurrency) else {
            throw WorkerConfigurationError("--concurrency must be between 1 and 4096, got \(concurrency)")
        }
        name = settings.name ?? defaultName
        guard !name.isEmpty else { throw WorkerConfigurationError("--name must not be empty") }

        let timeout = settings.requestTimeoutSeconds ?? 600
        guard timeout.isFinite, timeout > 0 else {
            throw WorkerConfigurationError("--request-timeout must be a positive number of seconds, got \(timeout)")
        }
        requestTimeout = .seconds(timeout)
        let grace = settings.shutdownGraceSeconds ?? 30
        guard grace.isFinite, grace >= 0 else {
            throw WorkerConfigurationError("--shutdown-grace must be a number of seconds >= 0, got \(grace)")
        }
        shutdownGrace = .seconds(grace)

        topLogprobs = settings.topLogprobs ?? 5
        // 20 is the OpenAI API's limit and vLLM's default --max-logprobs.
        guard (1...20).contains(topLogprobs) else {
            throw WorkerConfigurationError("--top-logprobs must be between 1 and 20, got \(topLogprobs)")
        }
        let gradNormTimeout = settings.gradNormTimeoutSeconds ?? 120
        guard gradNormTimeout.isFinite, gradNormTimeout > 0 else {
            throw WorkerConfigurationError("--grad-norm-timeout must be a positive number of seconds, got \(gradNormTimeout)")
        }
        self.gradNormTimeout = .seconds(gradNormTimeout)

        let levelName = settings.logLevel ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw WorkerConfigurationError("unknown --log-level \"\(levelName)\"; expected one of \(levels)")
        }
        logLevel = level

        do {
            credential = try CoordinatorCredential.resolve(tokenFile: settings.tokenFile, environment: environment)
        } catch {
            throw WorkerConfigurationError(error.description)
        }
        caFile = settings.caFile.flatMap { $0.isEmpty ? nil : $0 }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw WorkerConfigurationError("--ca-file \(caFile) cannot be read")
        }
    }

    /// The model name sent with lease requests.
    var model: String {
        switch backend {
        case .openAI(_, let model, _): model
        case .builtin(let model): model
        }
    }

    /// `hostname-pid`, unique among the workers of one machine.
    static var defaultName: String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    private static func checkHTTPURL(_ text: String, flag: String) throws(WorkerConfigurationError) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host?.isEmpty == false else {
            throw WorkerConfigurationError("\(flag) must be an http:// or https:// URL, got \"\(text)\"")
        }
    }
}

struct WorkerConfigurationError: Error, Equatable, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
