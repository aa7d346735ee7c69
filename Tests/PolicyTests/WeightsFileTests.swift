import Foundation
import Testing
@testable import Policy

@Suite struct WeightsFileTests {
    static func model(seed: UInt64 = 1) throws -> TransformerModel {
        try TransformerModel(config: .tiny, seed: seed, maxBatch: 2)
    }

    static func decodeError(_ bytes: [UInt8]) -> WeightsFileError? {
        do {
            _ = try WeightsFile.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }

    @Test func bytesRoundTrip() throws {
        let model = try Self.model()
        let bytes = WeightsFile.encode(model, version: 42)
        #expect(bytes.count == WeightsFile.headerSize + 4 * model.parameterCount)
        #expect(Array(bytes.prefix(8)) == WeightsFile.magic)
        let contents = try WeightsFile.decode(bytes)
        #expect(contents.config == .tiny)
        #expect(contents.modelVersion == 42)
        #expect(contents.parameters == model.parameterValues())

        let copy = try TransformerModel(weights: contents, maxBatch: 1)
        let batch = TokenBatch(sequences: [[4, 5, 6, 7, 0]])
        #expect(Array(copy.forward(batch: batch)) == Array(model.forward(batch: batch)))
    }

    @Test func parametersAreLittleEndianFloat32AfterTheHeader() throws {
        let model = try Self.model()
        let bytes = WeightsFile.encode(model, version: 1)
        let first = model.parameterValues()[0].bitPattern
        let stored = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[WeightsFile.headerSize + $1]) << (8 * UInt32($1)) }
        #expect(stored == first)
        #expect(bytes[8] == 1 && bytes[9] == 0)  // format version 1, little-endian
    }

    @Test func fileRoundTripReplacesAtomically() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.weights")
        let first = try Self.model(seed: 1), second = try Self.model(seed: 2)
        try WeightsFile.write(first, version: 1, to: url)
        try WeightsFile.write(second, version: 2, to: url)  // replaces the first
        let contents = try WeightsFile.read(from: url)
        #expect(contents.modelVersion == 2)
        #expect(contents.parameters == second.parameterValues())
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.weights"])

        let target = try Self.model(seed: 3)
        #expect(try WeightsFile.load(contents, into: target) == 2)
        #expect(target.parameterValues() == second.parameterValues())
    }

    @Test func truncatedFilesAreRefused() throws {
        let bytes = WeightsFile.encode(try Self.model(), version: 1)
        let full = bytes.count
        #expect(Self.decodeError(Array(bytes.dropLast())) == .truncated(expectedBytes: full, actualBytes: full - 1))
        #expect(Self.decodeError(Array(bytes.prefix(20))) == .truncated(expectedBytes: WeightsFile.headerSize, actualBytes: 20))
        #expect(Self.decodeError(Array(bytes.prefix(3))) == .truncated(expectedBytes: WeightsFile.headerSize, actualBytes: 3))
        #expect(Self.decodeError([]) == .truncated(expectedBytes: WeightsFile.headerSize, actualBytes: 0))
        #expect(Self.decodeError(bytes + [0]) == .trailingBytes(expectedBytes: full, actualBytes: full + 1))
        #expect(Self.decodeError(Array(bytes.dropLast()))!.description.contains("truncated"))
    }

    @Test func badMagicIsRefused() throws {
        var bytes = WeightsFile.encode(try Self.model(), version: 1)
        bytes[1] = UInt8(ascii: "X")
        #expect(Self.decodeError(bytes) == .badMagic)
        #expect(Self.decodeError(Array("{\"weights\": []}".utf8)) == .badMagic)
        #expect(WeightsFileError.badMagic.description.contains("not a gvm weights file"))
    }

    @Test func unsupportedFormatVersionIsRefused() throws {
        var bytes = WeightsFile.encode(try Self.model(), version: 1)
        bytes[8] = 2
        let error = Self.decodeError(bytes)
        #expect(error == .unsupportedFormatVersion(found: 2, supported: 1))
        #expect(error!.description == "unsupported weights format version 2 (this build reads version 1)")
    }

    @Test func corruptedParametersFailTheChecksum() throws {
        let clean = WeightsFile.encode(try Self.model(), version: 1)
        var flipped = clean
        flipped[clean.count - 3] ^= 0x10
        guard case .checksumMismatch(let stored, let computed) = Self.decodeError(flipped) else {
            Issue.record("expected a checksum mismatch")
            return
        }
        #expect(stored != computed)
        // The header is covered too: a different model version with the old checksum.
        var header = clean
        header[32] ^= 1
        guard case .checksumMismatch = Self.decodeError(header) else {
            Issue.record("expected a checksum mismatch for a changed header")
            return
        }
        #expect(Self.decodeError(flipped)!.description.contains("corrupted"))
    }

    @Test func parameterCountMustMatchTheConfiguration() throws {
        var bytes = WeightsFile.encode(try Self.model(), version: 1)
        let count = TransformerConfig.tiny.parameterCount
        bytes[40] = UInt8(truncatingIfNeeded: count + 1)
        bytes[41] = UInt8(truncatingIfNeeded: (count + 1) >> 8)
        #expect(Self.decodeError(bytes) == .parameterCountMismatch(stored: UInt64(count + 1), expected: count))
        // A configuration that cannot be built (width 16, heads 3).
        var shape = WeightsFile.encode(try Self.model(), version: 1)
        shape[28] = 3
        guard case .invalidConfiguration(let problem) = Self.decodeError(shape) else {
            Issue.record("expected an invalid configuration")
            return
        }
        #expect(problem.contains("divisible by heads"))
    }

    @Test func loadingIntoADifferentConfigurationIsRefused() throws {
        let contents = try WeightsFile.decode(WeightsFile.encode(try Self.model(), version: 1))
        var other = TransformerConfig.tiny
        other.layers = 1
        let target = try TransformerModel(config: other, seed: 1, maxBatch: 1)
        #expect(throws: WeightsFileError.configurationMismatch(file: .tiny, model: other)) {
            try WeightsFile.load(contents, into: target)
        }
    }

    @Test func fileErrorsNameThePath() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-missing-\(UUID().uuidString).weights")
        do {
            _ = try WeightsFile.read(from: missing)
            Issue.record("reading a missing file succeeded")
        } catch {
            guard case .io(let path, _) = error else { Issue.record("expected an I/O error, got \(error)"); return }
            #expect(path == missing.path)
        }
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-bad-\(UUID().uuidString).weights")
        try Data([1, 2, 3]).write(to: bad)
        defer { try? FileManager.default.removeItem(at: bad) }
        do {
            _ = try WeightsFile.read(from: bad)
            Issue.record("reading a bad file succeeded")
        } catch {
            #expect(error == .invalidFile(path: bad.path, reason: .badMagic))
            #expect(error.description == "\(bad.path): not a gvm weights file (bad magic bytes)")
        }
    }
}
