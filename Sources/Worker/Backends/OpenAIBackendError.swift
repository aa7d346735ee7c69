/// Why the inference server gave no usable generations.
enum OpenAIBackendError: Error, Equatable, CustomStringConvertible {
    /// The lease's prompt has neither chat messages nor completion text.
    case noPrompt(leaseId: String)
    /// The server answered with a non-2xx status; `message` is its error text.
    case status(code: Int, url: String, message: String)
    /// A 2xx answer that is not a (chat) completion.
    case invalidReply(url: String, reason: String)
    /// A 2xx answer without choices; asking again would not help.
    case noChoices(url: String)

    var description: String {
        switch self {
        case .noPrompt(let leaseId):
            "lease \(leaseId) has neither prompt messages nor prompt text"
        case .status(let code, let url, let message):
            "inference server answered HTTP \(code) to POST \(url): \(message)"
        case .invalidReply(let url, let reason):
            "inference server's answer to POST \(url) is not a completion: \(reason)"
        case .noChoices(let url):
            "inference server's answer to POST \(url) has no choices"
        }
    }
}
