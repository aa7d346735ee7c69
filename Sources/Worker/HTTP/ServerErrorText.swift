import Foundation

/// The message of an error answer: `{"error":{"message"}}` (OpenAI, and
/// gvm's own `ErrorBody`), `{"message"}` (older vLLM), or else the body as
/// text, truncated for logs.
enum ServerErrorText {
    private struct Nested: Decodable {
        struct Detail: Decodable { var message: String }
        var error: Detail
    }

    private struct Flat: Decodable {
        var message: String
    }

    static func message(from body: Data, limit: Int = 300) -> String {
        let decoder = JSONDecoder()
        if let nested = try? decoder.decode(Nested.self, from: body) {
            return truncated(nested.error.message, limit: limit)
        }
        if let flat = try? decoder.decode(Flat.self, from: body) {
            return truncated(flat.message, limit: limit)
        }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(empty body)" : truncated(text, limit: limit)
    }

    static func truncated(_ text: String, limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
