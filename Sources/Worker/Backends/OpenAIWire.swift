import Foundation
import Shared

/// The two OpenAI-compatible routes the worker uses: `/completions` for a
/// rendered completion prompt, `/chat/completions` for chat messages.
enum OpenAIRoute: Sendable, Equatable {
    case completions(text: String)
    case chat(messages: [ChatMessage])

    init?(_ prompt: RenderedPrompt) {
        if let messages = prompt.messages {
            self = .chat(messages: messages)
        } else if let text = prompt.text {
            self = .completions(text: text)
        } else {
            return nil
        }
    }

    var path: String {
        switch self {
        case .completions: "/completions"
        case .chat: "/chat/completions"
        }
    }
}

/// Builds the JSON body of one generation request.
enum OpenAIRequestBody {
    /// `extra` goes in first so that the fields the worker depends on
    /// (model, prompt, n, seed, logprobs, ...) cannot be overridden by a run's
    /// engine-specific settings. `topLogprobs` asks for that many alternatives
    /// per token (the logit-proxy gradient norm needs them); nil asks for the
    /// sampled token's log-probability alone.
    static func make(
        route: OpenAIRoute, model: String, generation: GenerationParameters, n: Int, seed: Int,
        topLogprobs: Int? = nil
    ) -> [String: JSONValue] {
        var body = generation.extra
        body["model"] = .string(model)
        switch route {
        case .completions(let text):
            body["prompt"] = .string(text)
            // The sampled token's log-probability plus the top alternatives.
            body["logprobs"] = .number(Double(topLogprobs ?? 1))
        case .chat(let messages):
            body["messages"] = .array(messages.map {
                .object(["role": .string($0.role), "content": .string($0.content)])
            })
            body["logprobs"] = .bool(true)
            // Always explicit: llama.cpp's server returns no chat logprobs at
            // all unless top_logprobs is present, even as 0.
            body["top_logprobs"] = .number(Double(topLogprobs ?? 0))
        }
        body["n"] = .number(Double(n))
        body["seed"] = .number(Double(seed))
        body["max_tokens"] = .number(Double(generation.maxTokens))
        body["temperature"] = .number(generation.temperature)
        body["top_p"] = .number(generation.topP)
        if !generation.stop.isEmpty {
            body["stop"] = .array(generation.stop.map { .string($0) })
        }
        return body
    }
}

/// The parts of a (chat) completion answer the worker reads. Both logprob
/// layouts are accepted on both routes: llama.cpp answers `/completions`
/// in the chat layout.
struct OpenAICompletionReply: Decodable {
    var choices: [Choice]
    var usage: Usage?

    struct Choice: Decodable {
        var index: Int?
        /// `/completions`.
        var text: String?
        /// `/chat/completions`.
        var message: Message?
        var finishReason: String?
        var logprobs: Logprobs?

        enum CodingKeys: String, CodingKey {
            case index, text, message, logprobs
            case finishReason = "finish_reason"
        }
    }

    struct Message: Decodable {
        /// Null when the model answered with something other than text.
        var content: String?
    }

    struct Logprobs: Decodable {
        /// Completions layout. The first entry is null when the prompt is echoed.
        var tokens: [String]?
        var tokenLogprobs: [Double?]?
        var topLogprobs: [[String: Double]?]?
        /// Chat layout: one entry per generated token.
        var content: [TokenEntry]?

        enum CodingKeys: String, CodingKey {
            case content, tokens
            case tokenLogprobs = "token_logprobs"
            case topLogprobs = "top_logprobs"
        }
    }

    struct TokenEntry: Decodable {
        var token: String
        var logprob: Double
        var topLogprobs: [Candidate]?

        enum CodingKeys: String, CodingKey {
            case token, logprob
            case topLogprobs = "top_logprobs"
        }
    }

    struct Candidate: Decodable {
        var token: String
        var logprob: Double
    }

    struct Usage: Decodable {
        var completionTokens: Int?

        enum CodingKeys: String, CodingKey {
            case completionTokens = "completion_tokens"
        }
    }
}

extension OpenAICompletionReply {
    /// The choices as generations, in `index` order.
    ///
    /// The API reports only the total `usage.completion_tokens`, so a
    /// choice's own count is the number of its token log-probabilities when
    /// the server sent them; otherwise the total is split evenly (the first
    /// choices take the remainder); without usage it is estimated as one
    /// token per four UTF-8 bytes.
    func generations() -> [Generation] {
        let ordered = choices.enumerated()
            .sorted { ($0.element.index ?? $0.offset) < ($1.element.index ?? $1.offset) }
            .map(\.element)
        let total = usage?.completionTokens
        return ordered.enumerated().map { position, choice in
            let text = choice.text ?? choice.message?.content ?? ""
            let (sampledTokens, tokenLogprobs, topLogprobs) = Self.logprobs(choice.logprobs)
            let tokens: Int
            if let tokenLogprobs {
                tokens = tokenLogprobs.count
            } else if let total, total >= 0, !ordered.isEmpty {
                tokens = total / ordered.count + (position < total % ordered.count ? 1 : 0)
            } else {
                tokens = (text.utf8.count + 3) / 4
            }
            return Generation(
                text: text,
                completionTokens: tokens,
                // Servers also say "abort", "eos" or null; only a length cut
                // changes how a sample is read.
                finishReason: choice.finishReason == "length" ? .length : .stop,
                tokens: sampledTokens,
                tokenLogprobs: tokenLogprobs,
                topLogprobs: topLogprobs)
        }
    }

    /// The sampled tokens, their log-probabilities and the top alternatives.
    private static func logprobs(_ logprobs: Logprobs?) -> ([String]?, [Double]?, [[TokenLogprob]]?) {
        guard let logprobs else { return (nil, nil, nil) }
        if let content = logprobs.content {
            let top = content.map { entry in
                (entry.topLogprobs ?? []).map { TokenLogprob(token: $0.token, logprob: $0.logprob) }
            }
            return (content.map(\.token), content.map(\.logprob), top.allSatisfy(\.isEmpty) ? nil : top)
        }
        guard let values = logprobs.tokenLogprobs else { return (nil, nil, nil) }
        let sampled = values.compactMap { $0 }
        let top = logprobs.topLogprobs.map { positions in
            positions.map { candidates in
                (candidates ?? [:]).map { TokenLogprob(token: $0.key, logprob: $0.value) }
                    .sorted { $0.logprob > $1.logprob }
            }
        }
        // Tokens that do not line up with the log-probabilities (an echoed
        // prompt) cannot say which alternative was sampled.
        let tokens = logprobs.tokens.flatMap { $0.count == sampled.count ? $0 : nil }
        return (tokens, sampled, top)
    }
}
