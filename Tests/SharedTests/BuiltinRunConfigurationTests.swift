import Foundation
import Testing
@testable import Shared

/// What a run on the built-in model must and must not say.
@Suite("Built-in run configuration")
struct BuiltinRunConfigurationTests {
    static let base = """
        {"dataset": "train", "model": "builtin", "promptsPerIteration": 4, "gradNorm": "exact",
         "prompt": {"completion": "{problem}\\n"},
         "builtin": {"weights": "/tmp/v0.weights", "testDataset": "test"}}
        """

    static func decode(_ json: String) throws -> RunConfiguration {
        try JSONDecoder().decode(RunConfiguration.self, from: Data(json.utf8))
    }

    /// The base configuration with one top-level field replaced or added.
    static func with(_ key: String, _ value: String) throws -> RunConfiguration {
        var object = try JSONSerialization.jsonObject(with: Data(base.utf8)) as! [String: Any]
        object[key] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
        return try decode(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
    }

    static func problem(_ configuration: RunConfiguration) -> FieldError? {
        do {
            try configuration.validate()
            return nil
        } catch {
            return error
        }
    }

    @Test("the defaults fill in and the configuration validates")
    func defaults() throws {
        let configuration = try Self.decode(Self.base)
        #expect(Self.problem(configuration) == nil)
        #expect(configuration.builtin == BuiltinTraining(weights: "/tmp/v0.weights", testDataset: "test"))
        #expect(configuration.builtin?.gradNormGroup == .embedding)
    }

    @Test("each refusal names its field", arguments: [
        ("gradNorm", "\"logit-proxy\"", "gradNorm"),
        ("advance", "\"manual\"", "advance"),
        ("prompt", #"{"messages": [{"role": "user", "content": "{problem}"}]}"#, "prompt"),
        ("generation", #"{"stop": ["\n\n"]}"#, "generation.stop"),
        ("generation", #"{"extra": {"top_k": 5}}"#, "generation.extra"),
        ("builtin", #"{"weights": "", "testDataset": "test"}"#, "builtin.weights"),
        ("builtin", #"{"weights": "w", "testDataset": "test", "stepsPerIteration": 0}"#, "builtin.stepsPerIteration"),
        ("builtin", #"{"weights": "w", "testDataset": "test", "clip": 1.5}"#, "builtin.clip"),
        ("builtin", #"{"weights": "w", "testDataset": "test", "learningRate": -1}"#, "builtin.learningRate"),
    ])
    func refusals(key: String, value: String, field: String) throws {
        #expect(Self.problem(try Self.with(key, value))?.field == field)
    }

    @Test("exact needs the built-in model, and builtin refuses unknown fields")
    func exactAndUnknownFields() throws {
        var configuration = try Self.decode(Self.base)
        configuration.builtin = nil
        #expect(Self.problem(configuration)?.field == "gradNorm")
        #expect(throws: DecodingError.self) {
            _ = try Self.with("builtin", #"{"weights": "w", "testDataset": "t", "stepsPerIter": 3}"#)
        }
    }
}
