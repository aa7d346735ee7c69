import Foundation
import Hummingbird

extension OpenAITestDouble {
    /// Records the request, then answers it as the current options say.
    static func respond(path: String, body: Data, state: State, reasoner: SyntheticReasoner) async -> Response {
        let options = state.record(RecordedRequest(path: path, body: body))
        if options.delay > .zero {
            try? await Task.sleep(for: options.delay)
        }
        if let failure = options.failure {
            return json(status: failure.status, [
                "error": ["message": failure.message, "type": "TestDoubleError", "code": failure.status] as [String: Any],
            ])
        }
        guard let request = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return json(status: 400, ["error": ["message": "body is not a JSON object"]])
        }
        let chat = path.hasSuffix("/chat/completions")
        let prompt: String
        if chat {
            let messages = request["messages"] as? [[String: Any]] ?? []
            prompt = messages.compactMap { $0["content"] as? String }.joined(separator: "\n")
        } else {
            prompt = request["prompt"] as? String ?? ""
        }
        let asked = max(request["n"] as? Int ?? 1, 1)
        if options.rejectsN, asked != 1 {
            return json(status: 500, [
                "error": ["code": 500, "message": "Only one completion choice is allowed", "type": "server_error"] as [String: Any],
            ])
        }
        let n = options.ignoresN ? 1 : asked
        let seed = request["seed"] as? Int ?? 0
        let maxTokens = request["max_tokens"] as? Int ?? 16
        let wantsLogprobs = chat ? (request["logprobs"] as? Bool ?? false) : request["logprobs"] is Int
        // Alternatives per token: chat's top_logprobs, completions' logprobs.
        let topCount = max(chat ? request["top_logprobs"] as? Int ?? 0 : request["logprobs"] as? Int ?? 0, 0)

        let completions = (0..<n).map {
            reasoner.completion(prompt: prompt, seed: seed, choice: $0, maxTokens: maxTokens)
        }
        let choices: [[String: Any]] = completions.enumerated().map { index, completion in
            var choice: [String: Any] = ["index": index, "finish_reason": completion.finishReason]
            if chat {
                choice["message"] = ["role": "assistant", "content": completion.text]
                choice["logprobs"] = wantsLogprobs ? chatLogprobs(completion, top: topCount) : NSNull()
            } else {
                choice["text"] = completion.text
                choice["logprobs"] = wantsLogprobs ? completionLogprobs(completion, top: topCount) : NSNull()
            }
            return choice
        }
        let completionTokens = completions.reduce(0) { $0 + $1.tokens.count }
        let promptTokens = prompt.split(whereSeparator: \.isWhitespace).count
        return json(status: 200, [
            "id": "cmpl-\(seed)",
            "object": chat ? "chat.completion" : "text_completion",
            "created": 1_700_000_000,
            "model": request["model"] as? String ?? "",
            "choices": choices,
            "usage": [
                "prompt_tokens": promptTokens,
                "completion_tokens": completionTokens,
                "total_tokens": promptTokens + completionTokens,
            ],
        ])
    }

    /// `/completions` layout: parallel arrays, top alternatives as objects.
    private static func completionLogprobs(_ completion: Completion, top: Int) -> [String: Any] {
        var offset = 0
        var offsets: [Int] = []
        for token in completion.tokens {
            offsets.append(offset)
            offset += token.utf8.count
        }
        return [
            "tokens": completion.tokens,
            "token_logprobs": completion.logprobs,
            "top_logprobs": zip(completion.tokens, completion.logprobs).map { token, logprob in
                Dictionary(uniqueKeysWithValues: topAlternatives(token: token, logprob: logprob, count: top).map { ($0.token, $0.logprob) })
            },
            "text_offset": offsets,
        ]
    }

    /// `/chat/completions` layout: one entry per token.
    private static func chatLogprobs(_ completion: Completion, top: Int) -> [String: Any] {
        ["content": zip(completion.tokens, completion.logprobs).map { token, logprob in
            let alternatives = topAlternatives(token: token, logprob: logprob, count: top).map {
                ["token": $0.token, "logprob": $0.logprob, "bytes": Array($0.token.utf8).map(Int.init)] as [String: Any]
            }
            return ["token": token, "logprob": logprob, "bytes": Array(token.utf8).map(Int.init), "top_logprobs": alternatives] as [String: Any]
        }]
    }

    /// `count` most likely tokens, most likely first: the sampled one and
    /// made-up tokens `<alt1>`, `<alt2>`, ... sharing the remaining mass
    /// (half of it, a quarter, ...), so the probabilities never exceed 1.
    public static func topAlternatives(token: String, logprob: Double, count: Int) -> [(token: String, logprob: Double)] {
        guard count > 0 else { return [] }
        let rest = log(max(1 - exp(logprob), 1e-9))
        let others = (1..<count).map { ("<alt\($0)>", rest - Double($0) * log(2.0)) }
        return ([(token, logprob)] + others).sorted { $0.1 > $1.1 }
    }

    private static func json(status: Int, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8)
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
