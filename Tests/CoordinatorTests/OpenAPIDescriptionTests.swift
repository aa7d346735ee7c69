import Foundation
import Hummingbird
import Testing
@testable import Coordinator

/// The description at /openapi.json against the router: every route and
/// method is described, and nothing is described that the router lacks.
@Suite("OpenAPI description")
struct OpenAPIDescriptionTests {
    /// The operations the router serves, as "METHOD /path/{param}".
    static func routedOperations() throws -> Set<String> {
        let harness = try StoreHarness()
        let router = CoordinatorServer.makeRouter(store: harness.store)
        return Set(router.routes.map { route in
            // Hummingbird writes a capture as ":name", OpenAPI as "{name}".
            let path = route.path.description.split(separator: "/", omittingEmptySubsequences: false).map { component in
                component.hasPrefix(":") ? "{\(component.dropFirst())}" : String(component)
            }.joined(separator: "/")
            return "\(route.method.rawValue) \(path)"
        })
    }

    static func document() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        return try #require(object as? [String: Any])
    }

    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The operations the description has, as "METHOD /path/{param}", with each one's object.
    static func describedOperations() throws -> [String: [String: Any]] {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        var operations: [String: [String: Any]] = [:]
        for (path, item) in paths {
            for (method, operation) in item where methods.contains(method) {
                operations["\(method.uppercased()) \(path)"] = try #require(operation as? [String: Any])
            }
        }
        return operations
    }

    @Test("every route of the router is described, and every described operation is routed")
    func routesMatchDescription() throws {
        let routed = try Self.routedOperations()
        let described = Set(try Self.describedOperations().keys)
        #expect(routed.count >= 20, "the router listed only \(routed.sorted())")
        #expect(routed.subtracting(described).isEmpty, "routed but not described: \(routed.subtracting(described).sorted())")
        #expect(described.subtracting(routed).isEmpty, "described but not routed: \(described.subtracting(routed).sorted())")
    }

    @Test("the description is OpenAPI 3.1 and each operation has one tag of worker, operator or reader")
    func tagsAndVersion() throws {
        let version = try #require(try Self.document()["openapi"] as? String)
        #expect(version.hasPrefix("3.1."))
        for (name, operation) in try Self.describedOperations() {
            let tags = operation["tags"] as? [String] ?? []
            #expect(tags.count == 1 && ["worker", "operator", "reader"].contains(tags[0]), "\(name) has tags \(tags)")
        }
    }

    @Test("each path template's parameters are declared as required path parameters")
    func pathParameters() throws {
        for (name, operation) in try Self.describedOperations() {
            let template = String(name.split(separator: " ")[1])
            let captured = Set(template.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            let declared = Set((operation["parameters"] as? [[String: Any]] ?? [])
                .filter { $0["in"] as? String == "path" && $0["required"] as? Bool == true }
                .compactMap { $0["name"] as? String })
            #expect(captured == declared, "\(name) captures \(captured.sorted()) but declares \(declared.sorted())")
        }
    }
}
