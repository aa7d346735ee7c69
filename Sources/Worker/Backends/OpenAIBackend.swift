import CurlHTTP
import Foundation
import Logging
import Shared

/// Generates through an OpenAI-compatible server (vLLM, SGLang, llama.cpp):
/// one request with `n = sampleCount` and the lease's seed, then, for servers
/// that answer with fewer choices (some ignore `n`), further requests with
/// seeds seed+1, seed+2, ... until the lease has all its samples. A server
/// that refuses `n > 1` outright (llama.cpp's chat route) is asked for one
/// choice per request from then on.
struct OpenAIBackend: GenerationBackend {
    /// The API base including `/v1`, without a trailing slash.
    let endpoint: String
    /// The name the server serves the model under.
    let model: String
    let apiKey: String?
    let requestTimeout: Duration
    /// Alternatives asked per token for leases whose gradient norm is
    /// `logit-proxy`; other leases ask for the sampled token's alone.
    let topLogprobs: Int
    let client: CurlHTTPClient
    let logger: Logger
    private let traits = OpenAIServerTraits()

    init(
        endpoint: String, model: String, apiKey: String?, requestTimeout: Duration, topLogprobs: Int = 5,
        client: CurlHTTPClient, logger: Logger
    ) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.model = model
        self.apiKey = apiKey
        self.requestTimeout = requestTimeout
        self.topLogprobs = topLogprobs
        self.client = client
        self.logger = logger
    }

    func generate(_ lease: Lease) async throws -> [Generation] {
        guard let route = OpenAIRoute(lease.prompt) else { throw OpenAIBackendError.noPrompt(leaseId: lease.leaseId) }
        var logger = self.logger
        logger[metadataKey: "leaseId"] = "\(lease.leaseId)"
        let topLogprobs = lease.gradNorm == .logitProxy ? self.topLogprobs : nil
        var generations: [Generation] = []
        generations.reserveCapacity(lease.sampleCount)
        // Every request brings at least one choice or throws, so this takes at
        // most `sampleCount` requests.
        var request = 0
        while generations.count < lease.sampleCount {
            let wanted = lease.sampleCount - generations.count
            let seed = Self.derivedSeed(lease.seed, request: request)
            let n = traits.acceptsOneChoiceOnly ? 1 : wanted
            let batch: [Generation]
            do {
                batch = try await complete(route, generation: lease.generation, n: n, seed: seed, topLogprobs: topLogprobs)
            } catch OpenAIBackendError.status(let code, _, let message) where n > 1 {
                // Any refusal of n > 1 gets one retry with n = 1; only if that
                // works is the server taken not to support n.
                batch = try await complete(route, generation: lease.generation, n: 1, seed: seed, topLogprobs: topLogprobs)
                if traits.markOneChoiceOnly() {
                    logger.notice("server refuses n > 1; asking for one choice per request from now on",
                                  metadata: ["status": "\(code)", "error": "\(message)"])
                }
            }
            if batch.count < n {
                logger.debug("server returned fewer choices than asked; asking again with the next seed",
                             metadata: ["asked": "\(n)", "got": "\(batch.count)", "seed": "\(seed)"])
            }
            generations += batch.prefix(wanted)
            request += 1
        }
        return generations
    }

    /// The seed of the request-th request of a lease: distinct per request,
    /// the same for re-issued work, and below 2^31 like the lease seed.
    static func derivedSeed(_ seed: Int, request: Int) -> Int {
        (seed &+ request) & 0x7FFF_FFFF
    }

    private func complete(
        _ route: OpenAIRoute, generation: GenerationParameters, n: Int, seed: Int, topLogprobs: Int?
    ) async throws -> [Generation] {
        let url = endpoint + route.path
        let body = OpenAIRequestBody.make(
            route: route, model: model, generation: generation, n: n, seed: seed, topLogprobs: topLogprobs)
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
        let request = HTTPRequest(
            method: "POST", url: url, headers: headers,
            body: try JSONEncoder().encode(body), timeout: requestTimeout)
        let response = try await client.send(request)
        guard (200..<300).contains(response.status) else {
            throw OpenAIBackendError.status(
                code: response.status, url: url, message: ServerErrorText.message(from: response.body))
        }
        let reply: OpenAICompletionReply
        do {
            reply = try JSONDecoder().decode(OpenAICompletionReply.self, from: response.body)
        } catch {
            throw OpenAIBackendError.invalidReply(url: url, reason: FieldError(error).description)
        }
        guard !reply.choices.isEmpty else { throw OpenAIBackendError.noChoices(url: url) }
        return reply.generations()
    }
}
