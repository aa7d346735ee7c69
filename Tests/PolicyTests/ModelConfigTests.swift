import Foundation
import Testing
@testable import Policy

@Suite struct ModelConfigTests {
    /// V·C + maxT·C + L·(12C² + 13C) + 2C + V·C + V: embeddings, the blocks'
    /// projections with biases and two LayerNorms, the final LayerNorm, the head.
    static func expectedParameterCount(_ c: TransformerConfig) -> Int {
        let V = c.vocabSize, T = c.contextLength, C = c.width, L = c.layers
        return V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C + V * C + V
    }

    @Test func parameterCountsOfTheNamedConfigurations() {
        #expect(TransformerConfig.tiny.parameterCount == Self.expectedParameterCount(.tiny))
        #expect(TransformerConfig.standard.parameterCount == Self.expectedParameterCount(.standard))
        #expect(TransformerConfig.tiny.parameterCount == 10_049)
        #expect(TransformerConfig.standard.parameterCount == 834_657)
        #expect(TransformerConfig.builtinDefault.parameterCount == Self.expectedParameterCount(.builtinDefault))
        #expect(TransformerConfig.builtinDefault.parameterCount == 366_721)
        #expect(TransformerConfig.standard == TransformerConfig(contextLength: 128, width: 128, layers: 4, heads: 4))
        #expect(TransformerConfig.standard.vocabSize == Vocabulary.size)
    }

    @Test func parameterTensorsTileTheBuffer() {
        let layout = ParameterTensors.layout(.standard)
        var offset = 0
        for tensor in layout {
            #expect(tensor.offset == offset)
            offset += tensor.count
        }
        #expect(offset == TransformerConfig.standard.parameterCount)
    }

    @Test func validationNamesTheOffendingField() {
        func problem(_ config: TransformerConfig) -> String? {
            do { try config.validate(); return nil } catch { return error.description }
        }
        #expect(problem(.tiny) == nil)
        #expect(problem(.standard) == nil)
        #expect(problem(TransformerConfig(contextLength: 16, width: 18, layers: 2, heads: 4))
                == "transformer configuration: width must be divisible by heads (4), got 18")
        #expect(problem(TransformerConfig(contextLength: 0, width: 16, layers: 2, heads: 2))
                == "transformer configuration: contextLength must be at least 1, got 0")
        #expect(problem(TransformerConfig(vocabSize: -1, contextLength: 8, width: 16, layers: 2, heads: 2))?.contains("vocabSize") == true)
        #expect(problem(TransformerConfig(contextLength: 8, width: 16, layers: 0, heads: 2))?.contains("layers") == true)
        #expect(problem(TransformerConfig(contextLength: 8, width: 16, layers: 1, heads: 32))?.contains("heads must be at most 16") == true)
        #expect(problem(TransformerConfig(contextLength: 100_000, width: 16, layers: 1, heads: 2))?.contains("at most") == true)
        #expect(throws: TransformerConfigError.self) {
            try TransformerModel(config: TransformerConfig(contextLength: 8, width: 15, layers: 1, heads: 2), seed: 0)
        }
        #expect(throws: TransformerConfigError.self) { try TransformerModel(config: .tiny, seed: 0, maxBatch: 0) }
    }

    @Test func configurationRoundTripsThroughJSON() throws {
        let data = try JSONEncoder().encode(TransformerConfig.standard)
        #expect(try JSONDecoder().decode(TransformerConfig.self, from: data) == .standard)
    }

    @Test func flopCountsFollowTheMatrixShapes() {
        let c = TransformerConfig.standard
        let B = 16.0, T = 128.0, C = 128.0, V = 97.0
        let forward = 4 * (2 * B * T * 12 * C * C + 4 * B * T * T * C) + 2 * B * T * C * V
        #expect(c.forwardFLOPs(batchSize: 16, length: 128) == forward)
        #expect(c.trainingFLOPs(batchSize: 16, length: 128) == 3 * forward)
    }

    @Test func initialisationIsDeterministicAndGPT2Shaped() throws {
        let a = try TransformerModel(config: .tiny, seed: 9, maxBatch: 1)
        let b = try TransformerModel(config: .tiny, seed: 9, maxBatch: 1)
        let c = try TransformerModel(config: .tiny, seed: 10, maxBatch: 1)
        #expect(a.parameterValues() == b.parameterValues())
        #expect(a.parameterValues() != c.parameterValues())
        let values = a.parameterValues()
        for tensor in a.parameterTensors {
            let slice = values[tensor.offset..<(tensor.offset + tensor.count)]
            switch tensor.name {
            case "ln1w", "ln2w", "lnfw": #expect(slice.allSatisfy { $0 == 1 })
            case _ where !tensor.isMatrix: #expect(slice.allSatisfy { $0 == 0 })
            default:
                let std = (slice.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(slice.count)).squareRoot()
                let expected = ["attprojw", "fcprojw"].contains(tensor.name) ? 0.02 / 2 : 0.02  // 0.02/√(2L), L = 2
                #expect(abs(std - expected) < 0.15 * expected, "\(tensor.name) std \(std)")
            }
        }
    }
}
