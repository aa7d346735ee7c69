import Foundation
import Shared
import Testing
@testable import Coordinator

/// The tokens file: hashes with names and roles, checked field by field.
@Suite("Tokens file")
struct AccessTokenFileTests {
    static let hash = String(repeating: "ab", count: 32)

    static func read(_ json: String) throws(FieldError) -> AccessTokenFile {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(UUID().uuidString).json")
        try? Data(json.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try AccessTokenFile.read(path: url.path)
    }

    @Test("a valid file reads back with each entry's name, role and digest")
    func valid() throws {
        let file = try Self.read(#"{"tokens": [{"name": "gpu-node-1", "role": "worker", "sha256": "\#(Self.hash)"}]}"#)
        #expect(file.tokens == [AccessTokenEntry(name: "gpu-node-1", role: .worker, digest: Array(repeating: 0xab, count: 32))])
        let again = try WireJSON.decoder().decode(AccessTokenFile.self, from: try WireJSON.encoder().encode(file))
        #expect(again == file)
    }

    @Test("bad files are refused naming the field", arguments: [
        (#"{"tokens": [{"name": "a", "role": "admin", "sha256": "HASH"}]}"#, "tokens[0].role"),
        (#"{"tokens": [{"name": "a", "role": "worker", "sha256": "not-hex"}]}"#, "tokens[0].sha256"),
        (#"{"tokens": [{"name": "a", "role": "worker", "sha256": "abcd"}]}"#, "tokens[0].sha256"),
        (#"{"tokens": [{"name": "a", "role": "worker", "token": "x", "sha256": "HASH"}]}"#, "tokens[0].token"),
        (#"{"tokens": [{"name": "a b", "role": "worker", "sha256": "HASH"}]}"#, "tokens[0].name"),
        (#"{"tokens": [{"name": "a", "role": "worker", "sha256": "HASH"}, {"name": "a", "role": "reader", "sha256": "HASH2"}]}"#,
         "tokens[1].name"),
        (#"{"tokens": [{"name": "a", "role": "worker", "sha256": "HASH"}, {"name": "b", "role": "reader", "sha256": "HASH"}]}"#,
         "tokens[1].sha256"),
        (#"{"token": []}"#, "token"),
        (#"not json"#, "input"),
    ])
    func refused(_ json: String, field: String) {
        let text = json.replacingOccurrences(of: "HASH2", with: String(repeating: "cd", count: 32))
            .replacingOccurrences(of: "HASH", with: Self.hash)
        do {
            let file = try Self.read(text)
            Issue.record("accepted \(file)")
        } catch {
            #expect(error.problem.contains(field), "\(error)")
        }
    }

    @Test("a missing file is refused naming it")
    func missing() {
        #expect(throws: FieldError.self) { try AccessTokenFile.read(path: "/nonexistent/tokens.json") }
    }
}
