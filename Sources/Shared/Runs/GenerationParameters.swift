/// Sampling parameters sent to the inference engine with every request.
public struct GenerationParameters: Codable, Sendable, Equatable {
    public var maxTokens: Int
    public var temperature: Double
    public var topP: Double
    public var stop: [String]
    /// Engine-specific fields (`top_k`, `min_p`, `grammar`, ...) copied into
    /// the request body as given.
    public var extra: [String: JSONValue]

    public init(maxTokens: Int = 2048, temperature: Double = 1.0, topP: Double = 1.0, stop: [String] = [], extra: [String: JSONValue] = [:]) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.stop = stop
        self.extra = extra
    }

    enum CodingKeys: String, CodingKey { case maxTokens, temperature, topP, stop, extra }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = GenerationParameters()
        maxTokens = try c.decodeWholeNumberIfPresent(forKey: .maxTokens) ?? defaults.maxTokens
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? defaults.temperature
        topP = try c.decodeIfPresent(Double.self, forKey: .topP) ?? defaults.topP
        stop = try c.decodeIfPresent([String].self, forKey: .stop) ?? defaults.stop
        extra = try c.decodeIfPresent([String: JSONValue].self, forKey: .extra) ?? defaults.extra
    }

    public func validate() throws(FieldError) {
        guard (1...RunLimits.maxTokensPerSample).contains(maxTokens) else {
            throw FieldError(field: "maxTokens", problem: "must be 1 to \(RunLimits.maxTokensPerSample), got \(maxTokens)")
        }
        guard stop.count <= RunLimits.maxStopStrings else {
            throw FieldError(field: "stop", problem: "must hold at most \(RunLimits.maxStopStrings) strings, got \(stop.count)")
        }
        for (index, text) in stop.enumerated() {
            try WireText.check(text, field: "stop[\(index)]", maxBytes: RunLimits.maxStopBytes, allowEmpty: false)
        }
        guard temperature.isFinite, temperature >= 0 else {
            throw FieldError(field: "temperature", problem: "must be a finite number >= 0, got \(temperature)")
        }
        guard topP > 0, topP <= 1 else { throw FieldError(field: "topP", problem: "must be in (0, 1], got \(topP)") }
    }
}
