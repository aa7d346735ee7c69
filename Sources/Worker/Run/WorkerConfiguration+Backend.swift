import CurlHTTP
import Logging

extension WorkerConfiguration {
    /// The backend the configuration names.
    func makeBackend(client: CurlHTTPClient, logger: Logger) -> any GenerationBackend {
        switch backend {
        case .openAI(let endpoint, let model, let apiKey):
            OpenAIBackend(
                endpoint: endpoint, model: model, apiKey: apiKey,
                requestTimeout: requestTimeout, topLogprobs: topLogprobs, client: client, logger: logger)
        }
    }
}
