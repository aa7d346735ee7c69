import Testing
@testable import Policy

/// Layers split across cores give the same results as the same work done
/// in parts too small to be split.
@Suite struct LayerParallelTests {
    @Test func parallelForTilesTheRangeOnce() {
        let count = 1003
        let marks = UnsafeMutablePointer<Int32>.allocate(capacity: count)
        marks.initialize(repeating: 0, count: count)
        defer { marks.deallocate() }
        parallelFor(count, minimumPerPart: 10) { _, range in
            for i in range { marks[i] += 1 }
        }
        #expect((0..<count).allSatisfy { marks[$0] == 1 })
    }

    @Test func attentionSplitAcrossCoresMatchesOneSequenceAtATime() {
        // 32 heads of T = 32, hs = 16: large enough to be split in parts;
        // one sequence's 4 heads are not.
        let B = 8, T = 32, C = 64, NH = 4
        #expect(B * NH >= 2 * attentionHeadsPerPart(T: T, hs: C / NH))
        #expect(NH < 2 * attentionHeadsPerPart(T: T, hs: C / NH))
        let qkv = buffer(randomFloats(B * T * 3 * C, seed: 61))
        let dout = buffer(randomFloats(B * T * C, seed: 62))
        let att = buffer(count: B * NH * T * T), out = buffer(count: B * T * C)
        let dqkv = buffer(count: B * T * 3 * C), scratch = buffer(count: parallelParts * T * T)
        let att1 = buffer(count: B * NH * T * T), out1 = buffer(count: B * T * C), dqkv1 = buffer(count: B * T * 3 * C)
        defer { [qkv, dout, att, out, dqkv, scratch, att1, out1, dqkv1].forEach { $0.deallocate() } }

        attentionForward(out: out, att: att, qkv: qkv, B: B, T: T, C: C, NH: NH)
        attentionBackward(dqkv: dqkv, scratch: scratch, dout: dout, qkv: qkv, att: att, B: B, T: T, C: C, NH: NH)
        for b in 0..<B {
            attentionForward(out: out1 + b * T * C, att: att1 + b * NH * T * T, qkv: qkv + b * T * 3 * C,
                             B: 1, T: T, C: C, NH: NH)
            attentionBackward(dqkv: dqkv1 + b * T * 3 * C, scratch: scratch, dout: dout + b * T * C,
                              qkv: qkv + b * T * 3 * C, att: att1 + b * NH * T * T, B: 1, T: T, C: C, NH: NH)
        }
        #expect(maxDifference(out, out1, B * T * C) < 1e-6)
        #expect(maxDifference(att, att1, B * NH * T * T) < 1e-6)
        #expect(maxDifference(dqkv, dqkv1, B * T * 3 * C) < 1e-5)
    }

    @Test func geluSplitAcrossCoresMatchesSmallCalls() {
        let N = 1 << 17, piece = 1 << 12
        let inp = buffer((0..<N).map { Float($0 % 4001) * 0.002 - 4 })
        let dout = buffer(randomFloats(N, seed: 63))
        let out = buffer(count: N), out1 = buffer(count: N), dinp = buffer(count: N), dinp1 = buffer(count: N)
        defer { [inp, dout, out, out1, dinp, dinp1].forEach { $0.deallocate() } }
        geluForward(out: out, inp: inp, N: N)
        geluBackward(dinp: dinp, inp: inp, dout: dout, N: N)
        for start in stride(from: 0, to: N, by: piece) {
            geluForward(out: out1 + start, inp: inp + start, N: piece)
            geluBackward(dinp: dinp1 + start, inp: inp + start, dout: dout + start, N: piece)
        }
        #expect(maxDifference(out, out1, N) == 0)
        #expect(maxDifference(dinp, dinp1, N) == 0)
    }

    private func maxDifference(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        (0..<n).reduce(Float(0)) { max($0, abs(a[$1] - b[$1])) }
    }
}
