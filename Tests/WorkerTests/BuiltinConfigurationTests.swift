import CurlHTTP
import Foundation
import Logging
import Testing
import TestSupport
@testable import Worker

/// `--backend builtin`: no endpoint, a default model name, and a worker
/// process that starts with it.
@Suite struct BuiltinConfigurationTests {
    private func resolve(_ settings: WorkerSettings) throws -> WorkerConfiguration {
        try WorkerConfiguration(settings, environment: ["OPENAI_API_KEY": "ignored"], defaultName: "host-1")
    }

    @Test func builtinNeedsNoEndpointAndAsksForTheBuiltinModel() throws {
        let configuration = try resolve(WorkerSettings(coordinator: "http://c:8420", backend: "builtin"))
        #expect(configuration.backend == .builtin(model: "builtin"))
        #expect(configuration.model == "builtin")
        #expect(configuration.concurrency == 1)
    }

    @Test func builtinTakesAnotherModelName() throws {
        let configuration = try resolve(WorkerSettings(coordinator: "http://c:8420", backend: "builtin", model: "arith-v2"))
        #expect(configuration.model == "arith-v2")
    }

    @Test func builtinRefusesAnEndpoint() {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try resolve(WorkerSettings(coordinator: "http://c:8420", backend: "builtin", endpoint: "http://e:8000/v1"))
        }
        #expect(error?.description.contains("--backend builtin") == true)
        #expect(error?.description.contains("takes no --endpoint") == true)
    }

    /// The systemd unit always passes `--endpoint ${GVM_ENDPOINT} --model
    /// ${GVM_MODEL}`; a builtin instance leaves both empty.
    @Test func builtinTakesEmptyEndpointAndModelAsAbsent() throws {
        let configuration = try resolve(
            WorkerSettings(coordinator: "http://c:8420", backend: "builtin", endpoint: "", model: ""))
        #expect(configuration.backend == .builtin(model: "builtin"))
    }

    @Test func unknownBackendListsBuiltin() {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try resolve(WorkerSettings(coordinator: "http://c", backend: "vllm"))
        }
        #expect(error?.description.contains("openai, builtin") == true, "\(String(describing: error))")
    }

    @Test func builtinBackendSharesItsModelsWithTheExactGradNorm() throws {
        let configuration = try resolve(WorkerSettings(coordinator: "http://c:8420", backend: "builtin"))
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let (backend, models) = configuration.makeBackend(engine: client, coordinator: client, logger: .silent)
        defer { models?.compute.shutdown() }
        #expect(backend is BuiltinBackend)
        #expect(models != nil)
    }

    @Test func commandRefusesAnEndpointWithBuiltin() async throws {
        let result = try await BuiltProduct.worker.run([
            "run", "--coordinator", "http://127.0.0.1:9", "--backend", "builtin", "--endpoint", "http://127.0.0.1:9/v1",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("takes no --endpoint"), "\(result.stderr)")
    }

    /// Without --endpoint or --model the command validates and runs (backing
    /// off from a coordinator that is not there) until SIGTERM.
    @Test func commandRunsWithBuiltinAndNoEndpoint() async throws {
        try await expectWorkerRunsUntilSIGTERM(["run", "--coordinator", "http://127.0.0.1:9", "--backend", "builtin", "--log-level", "critical"])
    }
}
