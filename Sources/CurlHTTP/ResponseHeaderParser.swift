/// Collects response headers from the lines libcurl hands to
/// `CURLOPT_HEADERFUNCTION`, one call per line, CRLF included.
struct ResponseHeaderParser {
    private(set) var headers: [String: String] = [:]

    mutating func consume(line: String) {
        let trimmed = line.trimmingTrailingNewline()
        if trimmed.hasPrefix("HTTP/") {
            // A new status line: what came before belonged to an interim (1xx)
            // or redirect response, not to the one the caller will get.
            headers.removeAll()
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = trimmed[..<colon].trimmingSpaces().lowercased()
        let value = trimmed[trimmed.index(after: colon)...].trimmingSpaces()
        guard !name.isEmpty else { return }
        if let earlier = headers[name] {
            headers[name] = earlier + ", " + value
        } else {
            headers[name] = value
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingTrailingNewline() -> Substring {
        var text = Substring(self)
        while let last = text.last, last == "\r\n" || last == "\n" || last == "\r" {
            text = text.dropLast()
        }
        return text
    }

    fileprivate func trimmingSpaces() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }),
              let last = lastIndex(where: { !isBlank($0) })
        else { return "" }
        return String(self[first...last])
    }
}
