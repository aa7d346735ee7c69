import Hummingbird

/// Path parameters read under their own name, which a refusal names as its
/// field: a bad `{runId}` answers 400 with `"field": "runId"`.
enum PathParameter {
    /// A whole number >= 0, e.g. `{runId}` or `{iteration}`.
    static func wholeNumber(_ name: String, in context: some RequestContext) throws -> Int {
        guard let text = context.parameters.get(name), let value = Int(text), value >= 0 else {
            throw RequestRefusal.invalid(field: name, "must be a whole number >= 0")
        }
        return value
    }

    /// Non-empty text, e.g. `{leaseId}` or `{version}`.
    static func text(_ name: String, in context: some RequestContext) throws -> String {
        guard let text = context.parameters.get(name), !text.isEmpty else {
            throw RequestRefusal.invalid(field: name, "is missing from the path")
        }
        return text
    }
}
