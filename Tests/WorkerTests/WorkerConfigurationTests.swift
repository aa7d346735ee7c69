import Foundation
import Testing
@testable import Worker

@Suite struct WorkerConfigurationTests {
    private let complete = WorkerSettings(
        coordinator: "http://coordinator:8080", backend: "openai",
        endpoint: "http://localhost:8000/v1", model: "qwen")

    private func resolve(_ settings: WorkerSettings, environment: [String: String] = [:]) throws -> WorkerConfiguration {
        try WorkerConfiguration(settings, environment: environment, defaultName: "host-1")
    }

    private func writeConfig(_ json: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-worker-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: url)
        return url.path
    }

    @Test func defaults() throws {
        let configuration = try resolve(complete)
        #expect(configuration.backend == .openAI(endpoint: "http://localhost:8000/v1", model: "qwen", apiKey: nil))
        #expect(configuration.concurrency == 1)
        #expect(configuration.name == "host-1")
        #expect(configuration.requestTimeout == .seconds(600))
        #expect(configuration.shutdownGrace == .seconds(30))
        #expect(configuration.logLevel == .info)
        #expect(configuration.model == "qwen")
    }

    @Test func flagsOverrideTheConfigFile() throws {
        let path = try writeConfig("""
            {"coordinator": "http://file:8080", "backend": "openai", "endpoint": "http://file:8000/v1",
             "model": "from-file", "concurrency": 2, "name": "file-worker",
             "requestTimeoutSeconds": 120, "apiKey": "file-key", "shutdownGraceSeconds": 5}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try WorkerSettings.load(path: path)
        let flags = WorkerSettings(model: "from-flag", concurrency: 6)
        let configuration = try resolve(flags.overriding(file))
        #expect(configuration.coordinator == "http://file:8080")
        #expect(configuration.backend == .openAI(endpoint: "http://file:8000/v1", model: "from-flag", apiKey: "file-key"))
        #expect(configuration.concurrency == 6)
        #expect(configuration.name == "file-worker")
        #expect(configuration.requestTimeout == .seconds(120))
        #expect(configuration.shutdownGrace == .seconds(5))
    }

    @Test func unknownConfigKeyIsNamed() throws {
        let path = try writeConfig(#"{"coordinator": "http://c:1", "concurrancy": 4}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: WorkerConfigurationError.self) { try WorkerSettings.load(path: path) }
        #expect(error?.description.contains("concurrancy") == true)
    }

    @Test func wrongTypeInConfigFileIsNamed() throws {
        let path = try writeConfig(#"{"concurrency": "four"}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: WorkerConfigurationError.self) { try WorkerSettings.load(path: path) }
        #expect(error?.description.contains("concurrency") == true)
    }

    @Test func missingConfigFileIsReported() {
        let error = #expect(throws: WorkerConfigurationError.self) { try WorkerSettings.load(path: "/nonexistent/gvm.json") }
        #expect(error?.description.contains("cannot read --config /nonexistent/gvm.json") == true)
    }

    @Test func apiKeyFallsBackToTheEnvironment() throws {
        let configuration = try resolve(complete, environment: ["OPENAI_API_KEY": "env-key"])
        #expect(configuration.backend == .openAI(endpoint: "http://localhost:8000/v1", model: "qwen", apiKey: "env-key"))
    }

    @Test(arguments: [
        (WorkerSettings(backend: "openai", endpoint: "http://e/v1", model: "m"), "missing --coordinator"),
        (WorkerSettings(coordinator: "http://c", endpoint: "http://e/v1", model: "m"), "missing --backend"),
        (WorkerSettings(coordinator: "http://c", backend: "vllm"), "unknown --backend \"vllm\""),
        (WorkerSettings(coordinator: "http://c", backend: "openai", model: "m"), "--backend openai needs --endpoint"),
        (WorkerSettings(coordinator: "http://c", backend: "openai", endpoint: "http://e/v1"), "--backend openai needs --model"),
        (WorkerSettings(coordinator: "c:8080", backend: "openai", endpoint: "http://e/v1", model: "m"), "--coordinator must be an http"),
        (WorkerSettings(coordinator: "http://c", backend: "openai", endpoint: "localhost:8000", model: "m"), "--endpoint must be an http"),
        (WorkerSettings(coordinator: "http://c", backend: "openai", endpoint: "http://e/v1", model: "m", concurrency: 0), "--concurrency must be between 1"),
        (WorkerSettings(coordinator: "http://c", backend: "openai", endpoint: "http://e/v1", model: "m", requestTimeoutSeconds: 0), "--request-timeout"),
        (WorkerSettings(coordinator: "http://c", backend: "openai", endpoint: "http://e/v1", model: "m", shutdownGraceSeconds: -1), "--shutdown-grace"),
        (WorkerSettings(coordinator: "http://c", backend: "openai", endpoint: "http://e/v1", model: "m", logLevel: "loud"), "unknown --log-level"),
    ])
    func invalidSettingsAreRefused(settings: WorkerSettings, message: String) {
        let error = #expect(throws: WorkerConfigurationError.self) { try resolve(settings) }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }
}
