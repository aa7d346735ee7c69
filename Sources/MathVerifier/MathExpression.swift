/// A parsed math expression, stored flat: nodes refer to each other by index
/// into `nodes`, and sums and products list their operands in `operands`.
/// One allocation per array instead of one per node, and no recursive
/// deinitialisation however the tree is shaped.
struct MathExpression: Sendable {
    enum Function: UInt8, Sendable {
        case sin, cos, tan, cot, sec, csc
        case arcsin, arccos, arctan
        case sinh, cosh, tanh, coth
        case ln, exp, sqrt, abs, floor, ceil, factorial
    }

    enum Node: Sendable, Equatable {
        case number(Double)
        /// A literal `\infty`; kept apart from overflow so that only a written
        /// infinity equals another.
        case infinity
        /// A free variable, identified by the hash of its name (see `nameHash`).
        case variable(UInt64)
        /// `operands[start..<start+count]`
        case sum(start: Int32, count: Int32)
        case product(start: Int32, count: Int32)
        case negate(Int32)
        case reciprocal(Int32)
        case power(base: Int32, exponent: Int32)
        case function(Function, Int32)
        case logarithm(base: Int32, argument: Int32)
        case root(index: Int32, radicand: Int32)
        case binomial(Int32, Int32)
        /// `f(x)` for a name that is not a known function: an opaque function
        /// of its argument, so `I(0)` is not read as `I·0`.
        case applied(UInt64, Int32)
    }

    var nodes: [Node] = []
    var operands: [Int32] = []
    var root: Int32 = 0

    /// Whether the expression has a free variable anywhere.
    var hasVariables: Bool {
        nodes.contains { node in
            switch node {
            case .variable, .applied: return true
            default: return false
            }
        }
    }

    /// The sign of a literal `\infty` or `-\infty` at the root, else nil.
    var infinitySign: Double? {
        switch nodes[Int(root)] {
        case .infinity: return 1
        case .negate(let inner) where nodes[Int(inner)] == .infinity: return -1
        default: return nil
        }
    }

    @discardableResult
    mutating func append(_ node: Node) -> Int32 {
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    /// A sum or product of `items`; a single item stands for itself.
    mutating func appendList(_ items: [Int32], product: Bool) -> Int32 {
        if items.count == 1 { return items[0] }
        let start = Int32(operands.count)
        operands.append(contentsOf: items)
        let count = Int32(items.count)
        return append(product ? .product(start: start, count: count) : .sum(start: start, count: count))
    }

    /// FNV-1a over a name's bytes: variables with the same name get the same
    /// values on both sides of a comparison without a shared symbol table.
    static func nameHash<S: Sequence<UInt8>>(_ name: S) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
