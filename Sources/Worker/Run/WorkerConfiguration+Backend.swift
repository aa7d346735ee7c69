import CurlHTTP
import Logging
import Policy

extension WorkerConfiguration {
    /// The backend the configuration names, and for the builtin backend its
    /// models, which the exact gradient norm shares. `engine` carries the
    /// inference requests; `coordinator` (with the coordinator's trust and
    /// token) the builtin backend's weights downloads.
    func makeBackend(
        engine client: CurlHTTPClient, coordinator coordinatorClient: CurlHTTPClient, logger: Logger
    ) -> (backend: any GenerationBackend, builtinModels: BuiltinModelCache?) {
        switch backend {
        case .openAI(let endpoint, let model, let apiKey):
            let backend = OpenAIBackend(
                endpoint: endpoint, model: model, apiKey: apiKey,
                requestTimeout: requestTimeout, topLogprobs: topLogprobs, client: client, logger: logger)
            return (backend, nil)
        case .builtin:
            let models = BuiltinModelCache(
                source: BuiltinWeightsSource(
                    baseURL: coordinator, client: coordinatorClient, headers: credential.headers, timeout: requestTimeout),
                compute: ComputeThread())
            return (BuiltinBackend(models: models), models)
        }
    }
}
