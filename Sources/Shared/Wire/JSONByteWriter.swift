/// Appends JSON text to a byte buffer, for outputs too large for JSONEncoder
/// to be cheap (10^6-element arrays of numbers).
///
/// Doubles are written as `Double.description` writes them: the shortest
/// decimal that reads back as the same double ("0.1", "1e-05", "1e+16"),
/// which is always valid JSON for a finite value.
public struct JSONByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Text known to be JSON already, such as `{"counts":`.
    public mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func integer(_ value: Int) {
        // Digits backwards into a small buffer; the magnitude of Int.min fits in UInt.
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }

    /// Throws for NaN and infinities, which JSON cannot hold; the caller names the field.
    public mutating func number(_ value: Double) throws(NonFiniteNumber) {
        guard value.isFinite else { throw NonFiniteNumber(value: value) }
        bytes.append(contentsOf: value.description.utf8)
    }

    public mutating func integers(_ values: [Int]) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            integer(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Throws with the index of the first value JSON cannot hold.
    public mutating func numbers(_ values: [Double]) throws(NonFiniteNumber) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            do {
                try number(value)
            } catch {
                throw NonFiniteNumber(value: value, index: index)
            }
        }
        bytes.append(UInt8(ascii: "]"))
    }

    public mutating func booleans(_ values: [Bool]) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: (value ? "true" : "false").utf8)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A NaN or an infinity, and where it was in an array.
    public struct NonFiniteNumber: Error, Sendable {
        public var value: Double
        public var index: Int?
    }
}
