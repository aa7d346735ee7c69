import Shared

/// What the worker POSTs to a run's gradient service for one accepted sample.
struct GradientServiceRequest: Encodable, Equatable {
    /// Completion runs: the rendered prompt text. Chat runs: the user
    /// messages' contents joined by newlines (the chat template that turns
    /// messages into model input belongs to the service's tokenizer).
    var prompt: String
    /// The chat messages for chat runs; null for completion runs.
    var messages: [ChatMessage]?
    var response: String

    init(prompt rendered: RenderedPrompt, response: String) {
        if let messages = rendered.messages {
            prompt = messages.filter { $0.role == "user" }.map(\.content).joined(separator: "\n")
            self.messages = messages
        } else {
            prompt = rendered.text ?? ""
            messages = nil
        }
        self.response = response
    }

    private enum CodingKeys: String, CodingKey {
        case prompt, messages, response
    }

    /// `messages` is always present, as null for completion runs, so a
    /// service can read it without a default.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(prompt, forKey: .prompt)
        if let messages {
            try container.encode(messages, forKey: .messages)
        } else {
            try container.encodeNil(forKey: .messages)
        }
        try container.encode(response, forKey: .response)
    }
}

/// The service's answer: `{"gradNorm": number}`; other fields are ignored.
struct GradientServiceReply: Decodable {
    var gradNorm: Double
}
