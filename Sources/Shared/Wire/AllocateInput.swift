import Foundation

/// The JSON document `gvm-coordinator allocate` reads: the input fields of a
/// case in `allocation-vectors.json`. Unknown keys are refused, so that a
/// misspelt `maxSamplePerPrompt` cannot silently mean "no cap".
public struct AllocateInput: Sendable, Equatable {
    public var strategy: String?
    public var gradNorms: [Double]
    public var acceptRates: [Double]
    public var alpha: Double?
    public var beta: Double?
    /// Read as a number so that a fractional budget is reported as such.
    public var budget: Double
    public var filterThreshold: Double?
    public var filterInsufficient: Double?
    /// C, read as a number for the same reason; absent or 0 means no cap.
    public var maxSamplesPerPrompt: Double?

    /// Every key the document may have, and what it holds.
    public static let fields: [String: FlatJSONKind] = [
        "strategy": .string,
        "gradNorms": .numberArray,
        "acceptRates": .numberArray,
        "alpha": .number,
        "beta": .number,
        "budget": .number,
        "filterThreshold": .number,
        "filterInsufficient": .number,
        "maxSamplesPerPrompt": .number,
    ]

    public init(
        strategy: String? = nil, gradNorms: [Double], acceptRates: [Double],
        alpha: Double? = nil, beta: Double? = nil, budget: Double,
        filterThreshold: Double? = nil, filterInsufficient: Double? = nil,
        maxSamplesPerPrompt: Double? = nil
    ) {
        self.strategy = strategy
        self.gradNorms = gradNorms
        self.acceptRates = acceptRates
        self.alpha = alpha
        self.beta = beta
        self.budget = budget
        self.filterThreshold = filterThreshold
        self.filterInsufficient = filterInsufficient
        self.maxSamplesPerPrompt = maxSamplesPerPrompt
    }

    /// Reads the document with `FlatJSONReader`: JSONDecoder takes seconds on
    /// 10^6-prompt arrays. Every failure names its field, or the byte offset
    /// for text that is not JSON.
    public init(json: Data) throws(FieldError) {
        let object = try FlatJSONReader.read(json, fields: Self.fields)
        self.init(
            strategy: object.string("strategy"),
            gradNorms: try object.requiredNumberArray("gradNorms"),
            acceptRates: try object.requiredNumberArray("acceptRates"),
            alpha: object.number("alpha"),
            beta: object.number("beta"),
            budget: try object.requiredNumber("budget"),
            filterThreshold: object.number("filterThreshold"),
            filterInsufficient: object.number("filterInsufficient"),
            maxSamplesPerPrompt: object.number("maxSamplesPerPrompt"))
    }

    /// The strategy and the request it should run on, after checking the
    /// fields that reading alone cannot (strategy name, whole budget and cap).
    /// Value checks (ranges, lengths) belong to `AllocationRequest.validate`.
    public func resolved() throws(FieldError) -> (AllocationStrategyName, AllocationRequest) {
        let name = strategy ?? AllocationStrategyName.gvm.rawValue
        guard let strategyName = AllocationStrategyName(rawValue: name) else {
            let known = AllocationStrategyName.allCases.map(\.rawValue).joined(separator: ", ")
            throw FieldError(field: "strategy", problem: "unknown strategy \"\(name)\"; expected one of \(known)")
        }
        let wholeBudget = try Self.wholeNumber(budget, field: "budget")
        let cap = try Self.wholeNumber(maxSamplesPerPrompt ?? 0, field: "maxSamplesPerPrompt")
        let request = AllocationRequest(
            gradNorms: gradNorms, acceptRates: acceptRates,
            alpha: alpha ?? 1e-3, beta: beta ?? 2, budget: wholeBudget,
            filterThreshold: filterThreshold ?? 0, filterInsufficient: filterInsufficient ?? 0,
            maxSamplesPerPrompt: cap)
        return (strategyName, request)
    }

    private static func wholeNumber(_ value: Double, field: String) throws(FieldError) -> Int {
        guard value.isFinite, value >= 0, let whole = Int(exactly: value) else {
            throw FieldError(field: field, problem: "must be a whole number >= 0, got \(value)")
        }
        return whole
    }
}
