import Foundation

/// How a dataset problem becomes what the inference engine sees: chat
/// messages, or a completion prompt. `{problem}` is replaced by the problem.
public struct PromptTemplate: Codable, Sendable, Equatable {
    public var messages: [ChatMessage]?
    public var completion: String?

    public init(messages: [ChatMessage]? = nil, completion: String? = nil) {
        self.messages = messages
        self.completion = completion
    }

    public static let placeholder = "{problem}"

    /// The Qwen2.5-Math style instruction the paper's runs used.
    public static let defaultChat = PromptTemplate(messages: [
        ChatMessage(role: "system", content: "Please reason step by step, and put your final answer within \\boxed{}."),
        ChatMessage(role: "user", content: placeholder),
    ])

    public func validate() throws(FieldError) {
        switch (messages, completion) {
        case (nil, nil), (.some, .some):
            throw FieldError(field: "messages", problem: "give exactly one of messages (chat) or completion")
        case (let messages?, nil):
            guard !messages.isEmpty else { throw FieldError(field: "messages", problem: "must hold at least one message") }
            guard messages.count <= RunLimits.maxPromptMessages else {
                throw FieldError(field: "messages", problem: "must hold at most \(RunLimits.maxPromptMessages) messages")
            }
            for (index, message) in messages.enumerated() {
                try WireText.check(message.content, field: "messages[\(index)].content", maxBytes: RunLimits.maxTemplateBytes)
            }
            guard messages.contains(where: { $0.content.contains(Self.placeholder) }) else {
                throw FieldError(field: "messages", problem: "no message contains \(Self.placeholder)")
            }
            for (index, message) in messages.enumerated() where !["system", "user", "assistant"].contains(message.role) {
                throw FieldError(field: "messages[\(index)].role", problem: "must be system, user or assistant, got \"\(message.role)\"")
            }
        case (nil, let completion?):
            try WireText.check(completion, field: "completion", maxBytes: RunLimits.maxTemplateBytes)
            guard completion.contains(Self.placeholder) else {
                throw FieldError(field: "completion", problem: "must contain \(Self.placeholder)")
            }
        }
    }

    /// The prompt for one problem.
    public func render(problem: String) -> RenderedPrompt {
        if let messages {
            return RenderedPrompt(messages: messages.map {
                ChatMessage(role: $0.role, content: $0.content.replacingOccurrences(of: Self.placeholder, with: problem))
            }, text: nil)
        }
        return RenderedPrompt(messages: nil, text: (completion ?? "").replacingOccurrences(of: Self.placeholder, with: problem))
    }
}

public struct ChatMessage: Codable, Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A prompt ready for the engine: chat messages, or completion text.
public struct RenderedPrompt: Codable, Sendable, Equatable {
    public var messages: [ChatMessage]?
    public var text: String?

    public init(messages: [ChatMessage]?, text: String?) {
        self.messages = messages
        self.text = text
    }
}
