import Foundation
import Hummingbird
import Shared
import Testing
@testable import Coordinator

/// The description at /openapi.json against the router: every route and
/// method is described, and nothing is described that the router lacks.
@Suite("OpenAPI description")
struct OpenAPIDescriptionTests {
    /// The operations the router serves, as "METHOD /path/{param}".
    static func routedOperations() throws -> Set<String> {
        let harness = try StoreHarness()
        let router = CoordinatorRouter.build(store: harness.store)
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

    /// A property of a component schema, e.g. ("RunConfiguration", "iterations").
    static func property(_ schema: String, _ name: String) throws -> [String: Any] {
        let components = try #require(try document()["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        let object = try #require(schemas[schema] as? [String: Any], "no schema \(schema)")
        let properties = try #require(object["properties"] as? [String: Any])
        return try #require(properties[name] as? [String: Any], "\(schema) has no \(name)")
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    @Test("the ranges are those of WireLimits and RunLimits")
    func ranges() throws {
        let maxima: [(String, String, Double)] = [
            ("RunConfiguration", "promptsPerIteration", Double(RunLimits.maxPromptsPerIteration)),
            ("RunConfiguration", "iterations", Double(RunLimits.maxIterations)),
            ("RunConfiguration", "samplesPerPrompt", Double(RunLimits.maxSamplesPerPrompt)),
            ("RunConfiguration", "leaseSeconds", RunLimits.maxLeaseSeconds),
            ("RunConfiguration", "maxAttemptsPerUnit", Double(RunLimits.maxAttemptsPerUnit)),
            ("GenerationParameters", "maxTokens", Double(RunLimits.maxTokensPerSample)),
            ("LeaseRequest", "capacity", Double(WireLimits.maxCapacity)),
            ("SampleResult", "reward", WireLimits.maxReward),
            ("SampleResult", "gradNorm", WireLimits.maxGradNorm),
            ("SampleResult", "completionTokens", Double(WireLimits.maxTokens)),
        ]
        for (schema, name, expected) in maxima {
            #expect(Self.number(try Self.property(schema, name)["maximum"]) == expected, "\(schema).\(name)")
        }
        #expect(Self.number(try Self.property("SampleResult", "reward")["minimum"]) == -WireLimits.maxReward)
        #expect(Self.number(try Self.property("LeaseRequest", "workerName")["maxLength"]) == Double(WireLimits.maxNameBytes))
        #expect(Self.number(try Self.property("LeaseRelease", "reason")["maxLength"]) == Double(WireLimits.maxReasonBytes))
        let logprobs = try #require(try Self.property("SampleResult", "tokenLogprobs")["items"] as? [String: Any])
        #expect(Self.number(logprobs["minimum"]) == WireLimits.logprobRange.lowerBound)
        #expect(Self.number(logprobs["maximum"]) == WireLimits.logprobRange.upperBound)
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
