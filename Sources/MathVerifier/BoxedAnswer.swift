import Foundation

/// The content of the last `\boxed{}` of a text, for callers outside the
/// verifier (the dataset importer reads gold answers out of worked solutions).
public enum BoxedAnswer {
    /// The raw content of the last top-level box, trimmed; nil when the text
    /// has no complete box.
    public static func last(in text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            guard case .content(let range) = AnswerExtraction.lastBox(in: bytes) else { return nil }
            let content = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            return content.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}


