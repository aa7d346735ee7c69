/// The JSON document `gvm-coordinator allocate` reads: the fields of a case in
/// `allocation-vectors.json`. Keys it does not know are ignored.
public struct AllocateInput: Decodable, Sendable {
    public var strategy: String?
    public var gradNorms: [Double]
    public var acceptRates: [Double]
    public var alpha: Double?
    public var beta: Double?
    /// Decoded as a number so that a fractional budget is reported as such.
    public var budget: Double
    public var filterThreshold: Double?
    public var filterInsufficient: Double?

    /// The strategy and the request it should run on, after checking the
    /// fields that decoding alone cannot (strategy name, whole budget).
    /// Value checks (ranges, lengths) belong to `AllocationRequest.validate`.
    public func resolved() throws(FieldError) -> (AllocationStrategyName, AllocationRequest) {
        let name = strategy ?? AllocationStrategyName.gvm.rawValue
        guard let strategyName = AllocationStrategyName(rawValue: name) else {
            let known = AllocationStrategyName.allCases.map(\.rawValue).joined(separator: ", ")
            throw FieldError(field: "strategy", problem: "unknown strategy \"\(name)\"; expected one of \(known)")
        }
        guard budget.isFinite, budget >= 0, let wholeBudget = Int(exactly: budget) else {
            throw FieldError(field: "budget", problem: "must be a whole number >= 0, got \(budget)")
        }
        let request = AllocationRequest(
            gradNorms: gradNorms, acceptRates: acceptRates,
            alpha: alpha ?? 1e-3, beta: beta ?? 2, budget: wholeBudget,
            filterThreshold: filterThreshold ?? 0, filterInsufficient: filterInsufficient ?? 0)
        return (strategyName, request)
    }
}
