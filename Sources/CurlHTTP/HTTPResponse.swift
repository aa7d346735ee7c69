import Foundation

/// A complete HTTP response. Non-2xx statuses are responses too, not errors.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names are lower-case; repeated headers are joined with ", ".
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Looks a header up by name in any letter case.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }
}
