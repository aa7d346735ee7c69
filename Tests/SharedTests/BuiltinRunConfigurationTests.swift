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
        ("builtin", #"{"weights": "w", "testDataset": "test", "epochsPerIteration": 0}"#, "builtin.epochsPerIteration"),
        ("builtin", #"{"weights": "w", "testDataset": "test", "epochsPerIteration": 1001}"#, "builtin.epochsPerIteration"),
        (
            "builtin", #"{"weights": "w", "testDataset": "test", "stepsPerIteration": 4, "epochsPerIteration": 1}"#,
            "builtin.epochsPerIteration"
        ),
        ("builtin", #"{"weights": "w", "testDataset": "test", "clip": 1.5}"#, "builtin.clip"),
        ("builtin", #"{"weights": "w", "testDataset": "test", "learningRate": -1}"#, "builtin.learningRate"),
        ("builtin", #"{"weights": "w", "testDataset": "test", "trainingFraction": 0}"#, "builtin.trainingFraction"),
        ("builtin", #"{"weights": "w", "testDataset": "test", "trainingFraction": 1.5}"#, "builtin.trainingFraction"),
    ])
    func refusals(key: String, value: String, field: String) throws {
        #expect(Self.problem(try Self.with(key, value))?.field == field)
    }

    static func builtin(_ json: String) throws -> BuiltinTraining {
        try JSONDecoder().decode(BuiltinTraining.self, from: Data(json.utf8))
    }

    /// Encoded and decoded again, as a run's stored configuration is.
    static func reencoded(_ builtin: BuiltinTraining) throws -> (BuiltinTraining, [String: Any]) {
        let data = try JSONEncoder().encode(builtin)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (try JSONDecoder().decode(BuiltinTraining.self, from: data), object)
    }

    @Test("neither stepsPerIteration nor epochsPerIteration means 8 steps, and stays so when stored again")
    func stepsDefault() throws {
        let neither = try Self.builtin(#"{"weights": "w", "testDataset": "t"}"#)
        #expect(neither.stepsPerIteration == nil && neither.epochsPerIteration == nil)
        #expect(neither.trainingSteps == .fixed(8))
        let (again, object) = try Self.reencoded(neither)
        #expect(again == neither && again.trainingSteps == .fixed(8))
        #expect(object["stepsPerIteration"] == nil && object["epochsPerIteration"] == nil)

        // What every run made before epochs stored: the 8 written out.
        let stored = try Self.builtin(#"{"weights": "w", "testDataset": "t", "stepsPerIteration": 8}"#)
        #expect(stored.trainingSteps == .fixed(8))
        let (storedAgain, storedObject) = try Self.reencoded(stored)
        #expect(storedAgain == stored && storedObject["stepsPerIteration"] as? Int == 8)

        let epochs = try Self.builtin(#"{"weights": "w", "testDataset": "t", "epochsPerIteration": 2}"#)
        #expect(epochs.trainingSteps == .epochs(2) && epochs.stepsPerIteration == nil)
        let (epochsAgain, epochsObject) = try Self.reencoded(epochs)
        #expect(epochsAgain.trainingSteps == .epochs(2) && epochsObject["stepsPerIteration"] == nil)
        #expect(try Self.builtin(#"{"weights": "w", "testDataset": "t", "stepsPerIteration": 3}"#).trainingSteps == .fixed(3))
    }

    @Test("epochsPerIteration is refused beside stepsPerIteration, naming the field")
    func epochsWithSteps() throws {
        let both = try Self.with("builtin", #"{"weights": "w", "testDataset": "t", "stepsPerIteration": 8, "epochsPerIteration": 2}"#)
        let problem = try #require(Self.problem(both))
        #expect(problem.field == "builtin.epochsPerIteration" && problem.problem.contains("builtin.stepsPerIteration"))
        #expect(Self.problem(try Self.with("builtin", #"{"weights": "w", "testDataset": "t", "epochsPerIteration": 1000}"#)) == nil)
    }

    @Test("epochs make ⌈epochs · sequences / batchSize⌉ steps; a fixed count ignores the data", arguments: [
        (TrainingSteps.epochs(1), 12, 4, 3),
        (.epochs(1), 13, 4, 4),
        (.epochs(2), 9, 4, 5),
        (.epochs(3), 1, 32, 1),
        (.epochs(1), 0, 4, 0),
        (.epochs(1000), 4096, 1, 4_096_000),
        (.fixed(8), 0, 4, 8),
        (.fixed(8), 100, 4, 8),
    ])
    func stepCount(rule: TrainingSteps, sequences: Int, batchSize: Int, steps: Int) {
        #expect(rule.steps(sequences: sequences, batchSize: batchSize) == steps)
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
