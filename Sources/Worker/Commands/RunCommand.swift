import ArgumentParser
import CurlHTTP
import Foundation
import Logging

/// `gvm-worker run`: the worker daemon. Pulls leases from the coordinator,
/// generates through the backend, verifies, estimates gradient norms and
/// submits, until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Work on a coordinator's leases until SIGTERM.",
        discussion: """
            The first SIGTERM or SIGINT stops taking leases; leases in flight are submitted if they \
            finish within --shutdown-grace seconds and released otherwise; then the worker exits 0. \
            A second signal releases the unfinished leases at once. The OpenAI API key comes from \
            apiKey in the --config file or the OPENAI_API_KEY environment variable.
            """
    )

    @Option(help: "The coordinator's base URL, e.g. http://host:8080.")
    var coordinator: String?

    @Option(help: "The generation backend: openai (an inference server) or builtin (the built-in model, in this process).")
    var backend: String?

    @Option(help: "openai backend: the server's base URL including /v1, e.g. http://localhost:8000/v1. Not for builtin.")
    var endpoint: String?

    @Option(help: "The model name asked for in lease requests: for openai the name the server serves (required), for builtin the built-in runs' model (default builtin).")
    var model: String?

    @Option(help: "Leases in flight at once (default 1).")
    var concurrency: Int?

    @Option(help: "This worker's name (default: hostname-pid).")
    var name: String?

    @Option(help: "A JSON file with these settings in camelCase (plus requestTimeoutSeconds, apiKey, shutdownGraceSeconds, gradNormTimeoutSeconds, logLevel); flags override it.")
    var config: String?

    @Option(name: .customLong("request-timeout"), help: "Seconds one inference request, or builtin weights download, may take (default 600).")
    var requestTimeout: Double?

    @Option(name: .customLong("shutdown-grace"), help: "Seconds leases in flight may take to finish after a shutdown signal (default 30).")
    var shutdownGrace: Double?

    @Option(help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    @Option(name: .customLong("top-logprobs"), help: "Alternatives per token asked of the engine for runs with gradNorm logit-proxy, 1 to 20 (default 5).")
    var topLogprobs: Int?

    @Option(name: .customLong("grad-norm-timeout"), help: "Seconds one request to a run's gradient service (gradNorm url) may take (default 120).")
    var gradNormTimeout: Double?

    @Option(help: "A file holding the coordinator's bearer token (default: the GVM_TOKEN environment variable).")
    var tokenFile: String?

    @Option(help: "CA certificates (PEM) an https coordinator must chain to, instead of the system's.")
    var caFile: String?

    /// Checked before `run`, so a bad setting is reported with this
    /// command's usage.
    func validate() throws {
        _ = try resolvedConfiguration()
    }

    func run() async throws {
        let configuration = try resolvedConfiguration()
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "gvm.worker")
        logger[metadataKey: "worker"] = "\(configuration.name)"

        // One client per peer, so long generations never hold up heartbeats.
        let connections = configuration.concurrency * 2 + 2
        let coordinatorHTTP = try CurlHTTPClient(
            maxConnectionsPerHost: connections, userAgent: "gvm-worker", caFile: configuration.caFile)
        let engineHTTP = try CurlHTTPClient(maxConnectionsPerHost: connections, userAgent: "gvm-worker")
        let gradientHTTP = try CurlHTTPClient(maxConnectionsPerHost: configuration.concurrency, userAgent: "gvm-worker")
        defer {
            coordinatorHTTP.shutdown()
            engineHTTP.shutdown()
            gradientHTTP.shutdown()
        }
        let (backend, builtinModels) = configuration.makeBackend(engine: engineHTTP, coordinator: coordinatorHTTP, logger: logger)
        defer { builtinModels?.compute.shutdown() }
        let gradNorms = GradNormEstimators(
            service: GradientServiceConnection(client: gradientHTTP, timeout: configuration.gradNormTimeout),
            builtin: builtinModels)

        let loop = WorkerLoop(
            coordinator: CoordinatorClient(
                baseURL: configuration.coordinator, client: coordinatorHTTP, credential: configuration.credential),
            processor: LeaseProcessor(backend: backend, gradNorms: gradNorms),
            settings: WorkerLoopSettings(
                workerName: configuration.name, model: configuration.model,
                concurrency: configuration.concurrency, shutdownGrace: configuration.shutdownGrace),
            logger: logger)

        let stopping = OneShotEvent()
        let graceOver = OneShotEvent()
        let signals = ShutdownSignals(stopping: stopping, graceOver: graceOver, logger: logger)
        defer { signals.cancel() }
        logger.notice("worker started", metadata: [
            "coordinator": "\(configuration.coordinator)", "model": "\(configuration.model)",
            "concurrency": "\(configuration.concurrency)",
        ])
        if let refusal = await loop.run(stopping: stopping, graceOver: graceOver) {
            // A configuration error (exit status 64), which systemd's unit
            // does not restart: no restart can fix a token.
            logger.critical("\(configuration.credential.refusal(status: refusal.status, message: refusal.message))")
            throw ExitCode(64)
        }
    }

    /// The command line over the `--config` file, checked.
    func resolvedConfiguration() throws -> WorkerConfiguration {
        let flags = WorkerSettings(
            coordinator: coordinator, backend: backend, endpoint: endpoint, model: model,
            concurrency: concurrency, name: name, requestTimeoutSeconds: requestTimeout,
            shutdownGraceSeconds: shutdownGrace, logLevel: logLevel,
            topLogprobs: topLogprobs, gradNormTimeoutSeconds: gradNormTimeout, tokenFile: tokenFile, caFile: caFile)
        do {
            let file = try config.map { path throws(WorkerConfigurationError) in try WorkerSettings.load(path: path) }
            return try WorkerConfiguration(
                flags.overriding(file ?? WorkerSettings()),
                environment: ProcessInfo.processInfo.environment,
                defaultName: WorkerConfiguration.defaultName)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
