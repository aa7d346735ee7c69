import Foundation

/// What a POST must declare about its body. Browsers send `text/plain`,
/// form and multipart bodies cross-site without asking (no CORS
/// preflight); they cannot send `application/json` that way, so requiring
/// it keeps other sites' pages from changing anything.
///
/// - A POST with a body: `application/json`, or `application/x-ndjson` for
///   `POST /v1/datasets` (one JSON record per line).
/// - A POST without a body: no `Content-Type`, or `application/json`.
enum ContentTypeRule {
    static let json = "application/json"
    static let ndjson = "application/x-ndjson"

    /// Why the request is refused (415), or nil.
    static func refusal(method: String, path: String, contentType: String?, hasBody: Bool) -> String? {
        guard method == "POST" else { return nil }
        let mediaType = contentType.map(Self.mediaType)
        let accepted = path == "/v1/datasets" ? [json, ndjson] : [json]
        if hasBody {
            guard let mediaType else {
                return "a POST body needs Content-Type: \(accepted.joined(separator: " or "))"
            }
            return accepted.contains(mediaType)
                ? nil : "Content-Type \(mediaType) is not accepted here; send \(accepted.joined(separator: " or "))"
        }
        guard let mediaType, mediaType != json else { return nil }
        return "a POST without a body carries no Content-Type, or \(json); got \(mediaType)"
    }

    /// The media type alone: no parameters, lower case.
    static func mediaType(_ header: String) -> String {
        let type = header.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return type.trimmingCharacters(in: .whitespaces).lowercased()
    }
}
