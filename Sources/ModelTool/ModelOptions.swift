import ArgumentParser
import Foundation
import Policy

/// The model shape, for commands that create a model.
struct ModelShapeOptions: ParsableArguments {
    @Option(help: "Model width (embedding size).")
    var width = TransformerConfig.builtinDefault.width
    @Option(help: "Transformer blocks.")
    var layers = TransformerConfig.builtinDefault.layers
    @Option(help: "Attention heads per block; must divide the width.")
    var heads = TransformerConfig.builtinDefault.heads
    @Option(help: "Context length in characters.")
    var context = TransformerConfig.builtinDefault.contextLength

    func config() throws -> TransformerConfig {
        let config = TransformerConfig(contextLength: context, width: width, layers: layers, heads: heads)
        do {
            try config.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return config
    }
}

/// Reads a task file, with the path in any error.
func readTasks(_ path: String) throws -> [ArithmeticTask] {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw ValidationError("cannot read \(path): \((error as NSError).localizedDescription)")
    }
    do {
        return try ArithmeticTasks.read(jsonLines: data)
    } catch {
        throw ValidationError("\(path): \(error)")
    }
}

/// Prints a line at once, even when stdout is a pipe, so progress shows live.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
