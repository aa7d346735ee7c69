import CurlHTTP
import Foundation
import Policy
import Shared
import TestSupport
@testable import Worker

/// A tiny random-weight built-in model, its weights served over loopback
/// the way the coordinator serves them, and the worker's cache and compute
/// thread for them.
struct BuiltinFixture {
    /// Room for a short prompt and a few dozen generated characters.
    static let config = TransformerConfig(contextLength: 48, width: 16, layers: 2, heads: 2)
    static let weightsPath = "/v1/runs/1/weights/1"

    let server: WeightsServerDouble
    let client: CurlHTTPClient
    let models: BuiltinModelCache
    /// The served file's bytes and their SHA-256.
    let bytes: [UInt8]
    let sha256: String

    /// The weights file of a model drawn from `seed`.
    static func weights(seed: UInt64 = 7, config: TransformerConfig = config) throws -> [UInt8] {
        WeightsFile.encode(try TransformerModel(config: config, seed: seed), version: seed)
    }

    static func sha256(_ bytes: [UInt8]) -> String { BuiltinModel.sha256Hex(Data(bytes)) }

    /// Runs `body` with a server holding `files` (the default model at
    /// `weightsPath` when nil), then stops everything.
    static func with(
        files: [String: [UInt8]]? = nil, delay: Duration = .zero, capacity: Int = 2,
        _ body: (BuiltinFixture) async throws -> Void
    ) async throws {
        let bytes = try weights()
        let server = try await WeightsServerDouble.start(files: files ?? [weightsPath: bytes], delay: delay)
        let client = try CurlHTTPClient()
        let compute = ComputeThread()
        let models = BuiltinModelCache(
            source: BuiltinWeightsSource(baseURL: server.baseURL, client: client, timeout: .seconds(30)),
            compute: compute, capacity: capacity)
        let fixture = BuiltinFixture(server: server, client: client, models: models, bytes: bytes, sha256: sha256(bytes))
        do {
            try await body(fixture)
        } catch {
            compute.shutdown()
            client.shutdown()
            await server.stop()
            throw error
        }
        compute.shutdown()
        client.shutdown()
        await server.stop()
    }

    var backend: BuiltinBackend { BuiltinBackend(models: models) }

    /// The same model, loaded directly from the served bytes.
    func directModel() throws -> TransformerModel {
        try TransformerModel(weights: try WeightsFile.decode(bytes), maxBatch: 1)
    }

    /// A lease of a built-in run on the served model.
    func lease(
        id: String = "lease-1", prompt: String = "12+34=\n", sampleCount: Int = 4, seed: Int = 1234,
        maxTokens: Int = 24, temperature: Double = 1, gradNorm: GradNormMode = .exact,
        group: ParameterGroupName = .embedding, path: String = weightsPath, sha256: String? = nil,
        algorithm: TrainingAlgorithm = .raft
    ) -> Lease {
        var lease = TestLeases.make(
            id: id, prompt: RenderedPrompt(messages: nil, text: prompt), gold: "46", sampleCount: sampleCount,
            seed: seed, algorithm: algorithm,
            generation: GenerationParameters(maxTokens: maxTokens, temperature: temperature))
        lease.model = WorkerConfiguration.builtinModelName
        lease.gradNorm = gradNorm
        lease.builtin = BuiltinLeaseInfo(weightsPath: path, weightsSHA256: sha256 ?? self.sha256, gradNormGroup: group)
        return lease
    }
}
