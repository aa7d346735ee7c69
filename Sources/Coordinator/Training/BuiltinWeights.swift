import Crypto
import Foundation
import Policy
import Shared

/// A weights file that decoded cleanly, with what the store keeps of it.
struct CheckedWeights: Sendable {
    var bytes: Data
    /// Lower-case hex SHA-256 of `bytes`.
    var sha256: String
    var config: TransformerConfig
}

/// Reading and checking the weights of built-in runs.
enum BuiltinWeights {
    static func sha256Hex(_ bytes: Data) -> String {
        SHA256.hash(data: bytes).lowercaseHex
    }

    /// Reads the version-0 weights file of a run being created. Every refusal
    /// names `builtin.weights`. Blocking: call it off the cooperative pool.
    static func read(path: String) throws(RequestRefusal) -> CheckedWeights {
        let field = "builtin.weights"
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .invalid(field: field, "cannot read \(path) on the coordinator's machine: \(error.localizedDescription)")
        }
        let contents: WeightsFile.Contents
        do {
            contents = try WeightsFile.decode([UInt8](data))
        } catch {
            throw .invalid(field: field, "\(path): \(error.description)")
        }
        guard contents.config.vocabSize == Vocabulary.size else {
            throw .invalid(
                field: field,
                "\(path) is for a vocabulary of \(contents.config.vocabSize) tokens; the built-in model's has \(Vocabulary.size)")
        }
        return CheckedWeights(bytes: data, sha256: sha256Hex(data), config: contents.config)
    }

    /// The tokens of a prompt as the built-in model reads it: the run's
    /// completion template filled with the problem.
    static func promptTokens(problem: String, template: PromptTemplate) throws(Vocabulary.UnknownCharacter) -> [Int32] {
        try Vocabulary.encode(template.render(problem: problem).text ?? problem)
    }

    /// Refuses a dataset whose prompts the model cannot read: a character
    /// outside the vocabulary (blamed on `datasetField`), or a prompt longer
    /// than the context, which leaves no room for a response (blamed on
    /// `builtin.weights`, whose configuration sets the context).
    static func checkPrompts(
        _ problems: [(position: Int, problem: String)], datasetName: String, datasetField: String,
        template: PromptTemplate, config: TransformerConfig
    ) throws(RequestRefusal) {
        for (position, problem) in problems {
            let tokens: [Int32]
            do {
                tokens = try promptTokens(problem: problem, template: template)
            } catch {
                throw .invalid(field: datasetField, "prompt \(position) of dataset \"\(datasetName)\": \(error.description)")
            }
            guard tokens.count <= config.contextLength else {
                throw .invalid(
                    field: "builtin.weights",
                    "the model's context of \(config.contextLength) tokens cannot hold prompt \(position) of dataset "
                        + "\"\(datasetName)\" (\(tokens.count) tokens with the template) and a response")
            }
        }
    }
}
