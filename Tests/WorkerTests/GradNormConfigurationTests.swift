import Foundation
import Shared
import Testing
@testable import Worker

/// The settings of the gradient-norm modes: the run's `gradNorm` and
/// `gradNormURL`, the lease's copy of the URL, and the worker's flags.
@Suite struct GradNormConfigurationTests {
    private func run(_ gradNorm: GradNormMode, url: String?) -> RunConfiguration {
        RunConfiguration(dataset: "math500", model: "m", promptsPerIteration: 1, gradNorm: gradNorm, gradNormURL: url)
    }

    @Test func modesDecodeFromTheirNames() throws {
        let json = #"{"dataset": "d", "model": "m", "promptsPerIteration": 1, "gradNorm": "logit-proxy"}"#
        let configuration = try JSONDecoder().decode(RunConfiguration.self, from: Data(json.utf8))
        #expect(configuration.gradNorm == .logitProxy)
        #expect(configuration.gradNormURL == nil)
        #expect(GradNormMode.allCases.map(\.rawValue) == ["constant", "logit-proxy", "url", "exact"])
    }

    @Test func urlModeDecodesItsURL() throws {
        let json = #"{"dataset": "d", "model": "m", "promptsPerIteration": 1, "gradNorm": "url", "gradNormURL": "http://gpu-3:9000/gradnorm"}"#
        let configuration = try JSONDecoder().decode(RunConfiguration.self, from: Data(json.utf8))
        #expect(configuration.gradNormURL == "http://gpu-3:9000/gradnorm")
        try configuration.validate()
    }

    @Test(arguments: ["http://127.0.0.1:9000/gradnorm", "https://grad.example.com/v1/norm", "HTTP://host:1"])
    func urlModeAcceptsHTTPURLs(url: String) throws {
        try run(.url, url: url).validate()
    }

    @Test(arguments: [
        (GradNormMode.url, nil, "is required when gradNorm is url"),
        (.url, "ftp://host/gradnorm", "must be an http:// or https:// URL, got \"ftp://host/gradnorm\""),
        (.url, "localhost:9000", "must be an http:// or https:// URL"),
        (.url, "http://", "must be an http:// or https:// URL"),
        (.url, "", "must be an http:// or https:// URL"),
        (.constant, "http://host:9000", "is used only when gradNorm is url, not constant"),
        (.logitProxy, "http://host:9000", "is used only when gradNorm is url, not logit-proxy"),
    ] as [(GradNormMode, String?, String)])
    func badGradNormURLIsRefusedNamingTheField(mode: GradNormMode, url: String?, problem: String) {
        let error = #expect(throws: FieldError.self) { try run(mode, url: url).validate() }
        #expect(error?.field == "gradNormURL")
        #expect(error?.problem.contains(problem) == true, "\(String(describing: error))")
    }

    @Test func otherModesNeedNoURL() throws {
        try run(.constant, url: nil).validate()
        try run(.logitProxy, url: nil).validate()
    }

    /// A lease from a coordinator that predates the field still decodes,
    /// and the URL is left out of leases that have none.
    @Test func leasesCarryTheURLOnlyWhenThereIsOne() throws {
        var lease = TestLeases.make()
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let plain = try encoder.encode(lease)
        #expect(!String(decoding: plain, as: UTF8.self).contains("gradNormURL"))
        #expect(try decoder.decode(Lease.self, from: plain).gradNormURL == nil)

        lease.gradNorm = .url
        lease.gradNormURL = "http://127.0.0.1:9000/gradnorm"
        let decoded = try decoder.decode(Lease.self, from: try encoder.encode(lease))
        #expect(decoded.gradNorm == .url)
        #expect(decoded.gradNormURL == "http://127.0.0.1:9000/gradnorm")
    }

    private let complete = WorkerSettings(
        coordinator: "http://coordinator:8080", backend: "openai", endpoint: "http://localhost:8000/v1", model: "qwen")

    @Test func workerDefaults() throws {
        let configuration = try WorkerConfiguration(complete, environment: [:], defaultName: "w")
        #expect(configuration.topLogprobs == 5)
        #expect(configuration.gradNormTimeout == .seconds(120))
    }

    @Test func workerSettingsFromTheConfigFileAndFlags() throws {
        let file = try JSONDecoder().decode(
            WorkerSettings.self, from: Data(#"{"topLogprobs": 8, "gradNormTimeoutSeconds": 30}"#.utf8))
        let fromFile = try WorkerConfiguration(complete.overriding(file), environment: [:], defaultName: "w")
        #expect(fromFile.topLogprobs == 8)
        #expect(fromFile.gradNormTimeout == .seconds(30))
        let flags = WorkerSettings(topLogprobs: 3)
        let merged = try WorkerConfiguration(flags.overriding(complete.overriding(file)), environment: [:], defaultName: "w")
        #expect(merged.topLogprobs == 3)
        #expect(merged.gradNormTimeout == .seconds(30))
    }

    @Test(arguments: [
        (WorkerSettings(topLogprobs: 0), "--top-logprobs must be between 1 and 20, got 0"),
        (WorkerSettings(topLogprobs: 21), "--top-logprobs must be between 1 and 20, got 21"),
        (WorkerSettings(gradNormTimeoutSeconds: 0), "--grad-norm-timeout must be a positive number of seconds"),
        (WorkerSettings(gradNormTimeoutSeconds: .infinity), "--grad-norm-timeout must be a positive number of seconds"),
    ])
    func badWorkerSettingsAreRefused(settings: WorkerSettings, message: String) {
        let error = #expect(throws: WorkerConfigurationError.self) {
            try WorkerConfiguration(settings.overriding(complete), environment: [:], defaultName: "w")
        }
        #expect(error?.description == message || error?.description.hasPrefix(message) == true, "\(String(describing: error))")
    }
}
